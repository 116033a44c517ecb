"""The gate and the spec tooling import in an app's environment without our service's or lint's packages.

Each scenario runs in a fresh interpreter whose imports of the blocked packages fail, as they would in
a project that installed the gate without the `service` extra.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What our service needs and another app may not have (or have in another version).
SERVICE = ("app", "sqlalchemy", "psycopg", "argon2", "flask_smorest", "marshmallow", "apispec", "webargs")
# What `openapi lint` and `openapi check` validate with: the gate reads documents without them.
VALIDATORS = ("openapi_spec_validator", "openapi_schema_validator", "jsonschema")

BLOCKER = """
import sys

BLOCKED = set(sys.argv[1].split(","))


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"blocked for this test: {name}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
"""


def run_blocked(blocked: tuple[str, ...], code: str) -> subprocess.CompletedProcess[str]:
    script = BLOCKER + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script, ",".join(blocked)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_blocker_blocks():
    """Without this the other tests could pass because nothing was blocked."""
    result = run_blocked(("sqlalchemy",), "import sqlalchemy")
    assert result.returncode == 1
    assert "blocked for this test: sqlalchemy" in result.stderr


def test_the_gate_imports_and_runs_its_cli_without_the_service_or_the_validators():
    result = run_blocked(
        SERVICE + VALIDATORS,
        """
        import runpy

        import contract_tests
        from contract_tests import run_gate
        import contract_tests.cli
        import contract_tests.conftest

        sys.argv = ["contract_tests", "run", "--help"]
        runpy.run_module("contract_tests", run_name="__main__")
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "--fresh-database" in result.stdout


@pytest.mark.parametrize("module", ["openapi.diff", "openapi.check", "openapi.cli", "openapi.lint"])
def test_the_spec_tooling_imports_without_the_service(module):
    result = run_blocked(SERVICE, f"import {module}")
    assert result.returncode == 0, result.stderr


def test_the_diff_imports_without_the_validators():
    result = run_blocked(SERVICE + VALIDATORS, "import openapi.diff; from openapi import compare, load")
    assert result.returncode == 0, result.stderr


def test_fresh_database_without_sqlalchemy_says_what_to_install():
    result = run_blocked(
        ("sqlalchemy",),
        """
        from contract_tests import cli

        sys.exit(cli.main(["run", "--fresh-database", "postgresql://127.0.0.1:1/none"]))
        """,
    )
    assert result.returncode == 2, result.stderr
    assert "todo-contract[postgres]" in result.stderr
