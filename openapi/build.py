"""Generate the OpenAPI document from the app, byte for byte the same for the same code."""

from __future__ import annotations

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
    "DATABASE_URL": "sqlite://",
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


def build_spec(factory: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    """The spec of the app built by `factory` (default: `app.create_app`), without serving anything."""
    if factory is None:
        from app import create_app as factory
    app = factory({**BUILD_CONFIG, "API_VERSION": project_version()})
    api = app.extensions["api"]
    with app.app_context():
        spec = api.spec.to_dict()
    # A JSON round trip turns tuples into lists and proves the document is plain JSON.
    return json.loads(json.dumps(spec))


def render_json(spec: dict[str, Any]) -> str:
    """Sorted keys, two-space indent, UTF-8 as is, one trailing newline: stable, reviewable diffs."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_yaml(spec: dict[str, Any]) -> str:
    """The same document as YAML, block style, sorted keys, no line folding."""
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True, default_flow_style=False, width=10_000)


def write_spec(spec: dict[str, Any], json_path: Path = JSON_PATH, yaml_path: Path = YAML_PATH) -> list[Path]:
    """Write both files, rewriting only those whose bytes change, and return the ones written."""
    written = []
    for path, text in ((json_path, render_json(spec)), (yaml_path, render_yaml(spec))):
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
