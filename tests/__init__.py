"""Tests: a package, so that `tests/app` and `tests/openapi` never shadow the packages they test."""
