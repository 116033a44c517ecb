"""The published OpenAPI document: build it from the app, check it, lint it, diff two versions of it.

The submodules `build`, `check`, `lint` and `diff` are the API; the most used names are also here.
"""

from __future__ import annotations

from openapi.build import SPEC_DIR, build_spec, render_json, render_yaml, write_spec
from openapi.check import validate
from openapi.diff import Change, DiffResult, compare
from openapi.document import SpecError, load
from openapi.lint import RULES as LINT_RULES
from openapi.lint import Finding

__all__ = [
    "LINT_RULES",
    "SPEC_DIR",
    "Change",
    "DiffResult",
    "Finding",
    "SpecError",
    "build_spec",
    "compare",
    "load",
    "render_json",
    "render_yaml",
    "validate",
    "write_spec",
]
