"""Fixtures for the gate's tests: no gate setting leaks in from the environment, and the books API's spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract_tests.plan import AUTH_VARIABLES
from tests.gate.other_app import openapi_document

GATE_VARIABLES = (
    "CONTRACT_APP",
    "CONTRACT_SPEC",
    "CONTRACT_BASE_URL",
    "CONTRACT_AUTH",
    "CONTRACT_PROFILE",
    *AUTH_VARIABLES.values(),
)


@pytest.fixture(autouse=True)
def clean_gate_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CONTRACT_* settings must not change what these tests run."""
    for name in GATE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def books_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The books API's spec, generated from the app without bugs, as a file the gate reads."""
    path = tmp_path_factory.mktemp("books") / "openapi.json"
    path.write_text(json.dumps(openapi_document(), indent=2), encoding="utf-8")
    return path
