"""The plan as Schemathesis' configuration: schemathesis.toml (what is checked) plus the plan's budgets."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.errors import InvalidSchema, LoaderError

from contract_tests.plan import GatePlan
from contract_tests.profiles import ENGINE_PHASES
from contract_tests.spec_check import unloadable
from contract_tests.target import Target, TargetError, is_url

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
# A loader's message longer than this (a YAML error quoting the document) is cut.
LOADER_CHARS = 400


def build_config(
    plan: GatePlan, *, seed: int | None = None, phases: tuple[str, ...] | None = None
) -> SchemathesisConfig:
    """contract_tests/schemathesis.toml (checks and their reasons) plus the plan's budgets.

    `seed` and `phases` narrow one pass (a replay, a process group) without changing the plan.
    """
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    data["seed"] = plan.seed if seed is None else seed
    # Schemathesis' thread workers stay at 1: threads make the order of requests, and so the run, depend on
    # timing (and were seen crashing); the gate uses a second core with a second process instead.
    data["workers"] = 1
    if plan.base_url:
        data["base-url"] = plan.base_url
    generation = data.setdefault("generation", {})
    generation["max-examples"] = plan.max_examples
    generation["database"] = str(plan.example_database) if plan.example_database else "none"
    phases = phases or plan.phases
    for name in ENGINE_PHASES:
        data.setdefault("phases", {}).setdefault(name, {})["enabled"] = name in phases
    data["phases"]["stateful"]["max-steps"] = plan.stateful_max_steps
    # The example database replays the per-operation phases' failures. Stateful sequences go without one:
    # what they do depends on the app's state, which a stored example cannot bring back.
    stateful_generation = data["phases"]["stateful"].setdefault("generation", {})
    stateful_generation["database"] = "none"
    stateful_generation["max-examples"] = plan.stateful_max_examples
    return SchemathesisConfig.from_dict(data)


def load_schema(target: Target, config: SchemathesisConfig) -> Any:
    """The spec as Schemathesis loads it, with the in-process app attached (requests then never leave).

    A document that cannot be loaded, or is no OpenAPI document with operations, is a TargetError (exit 2)
    that says why, instead of the traceback of whichever part of Schemathesis met it first.
    """
    problem = unloadable(target.document) if target.document is not None else None
    if problem is not None:
        raise TargetError(f"The spec {target.spec} cannot be tested: {problem}.")
    try:
        schema = _load(target, config)
        problem = unloadable(schema.raw_schema)
    except (LoaderError, InvalidSchema, AssertionError, TypeError, ValueError, KeyError) as exc:
        raise TargetError(f"The spec {target.spec} cannot be loaded: {_loader_message(exc)}") from exc
    if problem is not None:
        raise TargetError(f"The spec {target.spec} cannot be tested: {problem}.")
    if target.app is not None:
        schema.app = target.app
    return schema


def _loader_message(exc: Exception) -> str:
    """Schemathesis' own words when it has them (a YAML error with its line), else the exception's type."""
    text = (getattr(exc, "message", None) or str(exc)).strip()
    first = " ".join(text.split())[:LOADER_CHARS]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _load(target: Target, config: SchemathesisConfig) -> Any:
    if target.document is not None:
        # Served by the app itself (`--spec /openapi.json`): what it answered, as `from_wsgi` loads it.
        schema = schemathesis.openapi.from_dict(copy.deepcopy(target.document), config=config)
        schema.location = target.spec
    elif is_url(target.spec):
        schema = schemathesis.openapi.from_url(target.spec, config=config)
    else:
        schema = schemathesis.openapi.from_path(target.spec, config=config)
    # Its operations are read lazily: reading them now turns a malformed `paths` into a load error here.
    _ = schema.raw_schema
    return schema
