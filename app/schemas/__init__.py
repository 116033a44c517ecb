"""Marshmallow schemas: the single source of truth for what every endpoint accepts and returns."""
