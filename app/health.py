"""Liveness and readiness probe: 200 only when the database answers, and an answer within a deadline."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app
from flask.sansio.blueprints import BlueprintSetupState
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE, Schema, validate
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.api import Blueprint
from app.auth.guard import PUBLIC
from app.database import UNAVAILABLE_MESSAGE, describe, engine_for
from app.schemas.fields import StrictString

logger = logging.getLogger(__name__)

PROBE_KEY = "todo-health-probe"

blp = Blueprint("health", __name__, description="Probes for load balancers and orchestrators.")


@dataclass(slots=True)
class _Check:
    done: threading.Event = field(default_factory=threading.Event)
    problem: str | None = None


class DatabaseProbe:
    """Runs `SELECT 1` in a background thread, so that a caller waits for its deadline and no longer.

    A database that accepts connections and never answers holds the check until the connect or statement
    timeout; callers that come meanwhile wait on that same check instead of starting their own, so a
    silent database costs one thread per process, not one per probe.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._current: _Check | None = None

    def problem(self, deadline: float) -> str | None:
        """None when the database answered within `deadline` seconds, else what went wrong."""
        with self._lock:
            check = self._current
            if check is None or check.done.is_set():
                check = self._current = _Check()
                threading.Thread(target=self._run, args=(check,), name="healthz-probe", daemon=True).start()
        if not check.done.wait(deadline):
            return f"no answer within {deadline} s"
        return check.problem

    def _run(self, check: _Check) -> None:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # whatever fails, the service is not ready
            check.problem = describe(exc)
        finally:
            check.done.set()


@blp.record_once
def _create_probe(state: BlueprintSetupState) -> None:
    state.app.extensions[PROBE_KEY] = DatabaseProbe(engine_for(state.app))


class HealthSchema(Schema):
    class Meta:
        unknown = RAISE

    status = StrictString(required=True, validate=validate.OneOf(["ok"]), metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="healthCheck", security=PUBLIC, summary="Is the service able to serve requests")
    @blp.response(200, HealthSchema)
    @blp.errors(503)
    def get(self) -> dict[str, str]:
        """Answers within `HEALTHZ_TIMEOUT_SECONDS` (0.5 s by default), whatever the database does."""
        config = current_app.config
        problem = current_app.extensions[PROBE_KEY].problem(config["HEALTHZ_TIMEOUT_SECONDS"])
        if problem is not None:
            logger.warning("Health check failed: %s", problem)
            abort(
                503,
                message=UNAVAILABLE_MESSAGE,
                headers={"Retry-After": str(config["DATABASE_RETRY_AFTER_SECONDS"])},
            )
        return {"status": "ok"}
