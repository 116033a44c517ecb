"""Generate the OpenAPI document from the app, byte for byte the same for the same code."""

from __future__ import annotations

import importlib
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parent
JSON_PATH = SPEC_DIR / "openapi.json"
YAML_PATH = SPEC_DIR / "openapi.yaml"
PYPROJECT = SPEC_DIR.parent / "pyproject.toml"

# Everything that could leak the machine's environment into the document is pinned here: an in-memory
# database (nothing is touched), a fixed key and environment. Only the code decides what the spec says.
BUILD_CONFIG: dict[str, Any] = {
    "APP_ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "spec-build-only",
    "DATABASE_URL": "sqlite:///:memory:",
    "LOG_LEVEL": "WARNING",
}


def project_version() -> str:
    """The version in pyproject.toml when building from a source tree, else the installed one."""
    if PYPROJECT.is_file():
        version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8")).get("project", {}).get("version")
        if version:
            return str(version)
    from app.config import project_version as installed_version

    return installed_version()


def load_factory(target: str) -> Callable[..., Any]:
    """`package.module:create_app` to the app factory it names."""
    module_name, _, attribute = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute or "create_app")
    if not callable(factory):
        raise TypeError(f"{target} is not callable")
    return factory


def api_of(app: Any) -> Any:
    """The flask-smorest `Api` of an app: ours is `extensions["api"]`, any other is found by flask-smorest."""
    if "api" in app.extensions:
        return app.extensions["api"]
    apis = app.extensions.get("flask-smorest", {}).get("apis", {})
    if not apis:
        raise LookupError("the app has no flask-smorest Api")
    return next(iter(apis.values()))["ext_obj"]


def build_spec(factory: Callable[..., Any] | None = None) -> dict[str, Any]:
    """The spec of the app built by `factory` (default: `app.create_app`), without serving anything."""
    config = dict(BUILD_CONFIG)
    if factory is None:
        from app import create_app as factory

        config["API_VERSION"] = project_version()
    try:
        app = factory(config)
    except TypeError:  # a factory that takes no configuration
        app = factory()
    with app.app_context():
        spec = api_of(app).spec.to_dict()
    # A JSON round trip turns tuples into lists and proves the document is plain JSON.
    return json.loads(json.dumps(spec))


def render_json(spec: dict[str, Any]) -> str:
    """Sorted keys, two-space indent, UTF-8 as is, one trailing newline: stable, reviewable diffs."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_yaml(spec: dict[str, Any]) -> str:
    """The same document as YAML, block style, sorted keys, no line folding."""
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True, default_flow_style=False, width=10_000)


def published_files(
    spec: dict[str, Any], json_path: Path = JSON_PATH, yaml_path: Path = YAML_PATH
) -> tuple[tuple[Path, str], ...]:
    """Each published file with the exact text the spec gives it: what `build` writes and `check` compares."""
    return (json_path, render_json(spec)), (yaml_path, render_yaml(spec))


def write_spec(spec: dict[str, Any], json_path: Path = JSON_PATH, yaml_path: Path = YAML_PATH) -> list[Path]:
    """Write both files, rewriting only those whose bytes change, and return the ones written."""
    written = []
    for path, text in published_files(spec, json_path, yaml_path):
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
