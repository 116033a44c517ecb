"""The contract gate: Schemathesis in-process against the published spec, stateful and authenticated."""

from contract_tests.auth import Credentials, RegisterAndLogin
from contract_tests.gate import GateOptions, run_gate
from contract_tests.profiles import PROFILES, Profile
from contract_tests.report import Failure, GateReport, OperationCoverage, Totals
from contract_tests.target import ClientResponse, TargetClient

__all__ = [
    "PROFILES",
    "ClientResponse",
    "Credentials",
    "Failure",
    "GateOptions",
    "GateReport",
    "OperationCoverage",
    "Profile",
    "RegisterAndLogin",
    "TargetClient",
    "Totals",
    "run_gate",
]
