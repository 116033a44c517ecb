"""The published OpenAPI document: build it from the app, check it, lint it, diff two versions of it.

The submodules `build`, `check`, `lint` and `diff` are the API; the most used names are also here, and
each is imported on first use: reading a document (`openapi.document`, as the gate does) needs neither the
validators of `check` nor those of `lint`.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the submodule it comes from (the attribute there, when it is named differently).
_EXPORTS: dict[str, tuple[str, str]] = {
    "SPEC_DIR": ("build", "SPEC_DIR"),
    "build_spec": ("build", "build_spec"),
    "render_json": ("build", "render_json"),
    "render_yaml": ("build", "render_yaml"),
    "write_spec": ("build", "write_spec"),
    "validate": ("check", "validate"),
    "Change": ("diff", "Change"),
    "DiffResult": ("diff", "DiffResult"),
    "compare": ("diff", "compare"),
    "SpecError": ("document", "SpecError"),
    "load": ("document", "load"),
    "LINT_RULES": ("lint", "RULES"),
    "Finding": ("lint", "Finding"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
