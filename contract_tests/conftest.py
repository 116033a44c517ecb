"""`pytest contract_tests`: the gate as ordinary pytest tests, with the same options as the CLI."""

from __future__ import annotations

import os

import pytest

from contract_tests.gate import GateOptions
from contract_tests.plan import spec_labels
from contract_tests.profiles import DEFAULT_PROFILE, PROFILES
from contract_tests.target import resolve_spec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "contract gate")
    group.addoption(
        "--contract-profile",
        choices=list(PROFILES),
        default=os.environ.get("CONTRACT_PROFILE", DEFAULT_PROFILE),
        help="gate profile (default: CONTRACT_PROFILE or ci)",
    )
    group.addoption("--contract-app", default=None, help="module:factory (default: CONTRACT_APP or our app)")
    group.addoption(
        "--contract-spec", default=None, help="spec path or URL (default: CONTRACT_SPEC or published)"
    )
    group.addoption("--contract-base-url", default=None, help="test a running server instead")
    group.addoption("--contract-auth", default=None, help="module:callable auth hook, or 'none'")
    group.addoption("--contract-seed", type=int, default=None, help="seed (default: the profile's)")


def _spec_operations(config: pytest.Config) -> list[str]:
    """Operation labels of the spec, read at collection time so each operation is its own test."""
    option = config.getoption
    return spec_labels(
        resolve_spec(option("--contract-spec")),
        app=option("--contract-app"),
        base_url=option("--contract-base-url") or os.environ.get("CONTRACT_BASE_URL") or None,
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        operations = _spec_operations(metafunc.config)
        metafunc.parametrize("operation", operations, ids=operations)


@pytest.fixture
def gate_options(request: pytest.FixtureRequest) -> GateOptions:
    """The options every contract test starts from: the command line's, without reports or replay files."""
    option = request.config.getoption
    return GateOptions(
        app=option("--contract-app"),
        spec=option("--contract-spec"),
        profile=option("--contract-profile"),
        seed=option("--contract-seed"),
        base_url=option("--contract-base-url") or os.environ.get("CONTRACT_BASE_URL") or None,
        auth=option("--contract-auth"),
    )
