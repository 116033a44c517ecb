"""The published OpenAPI document: build it from the app, check it, lint it, diff two versions of it."""

from __future__ import annotations

from openapi.build import SPEC_DIR, build_spec, render_json, render_yaml, write_spec

__all__ = ["SPEC_DIR", "build_spec", "render_json", "render_yaml", "write_spec"]
