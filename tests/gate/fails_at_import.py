"""A module whose import raises something other than ImportError, as a real app's can.

Its model class annotates a field with a name imported only for type checkers: the class body evaluates
the annotation at import time on Python before 3.14, so importing the module raises NameError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, get_type_hints

from flask import Flask

if TYPE_CHECKING:  # pragma: no cover
    from tests.gate.factories import FactoryFailed


def _evaluated_annotations(cls: type) -> type:
    """What an ORM's declarative base does: resolve the class's annotations when the class is made."""
    get_type_hints(cls)
    return cls


@_evaluated_annotations
class Owner:
    failure: FactoryFailed


def create_app() -> Flask:  # pragma: no cover - never reached: the module does not import
    return Flask(__name__)


def auth(client: object, identity: str) -> dict[str, str]:  # pragma: no cover
    return {}
