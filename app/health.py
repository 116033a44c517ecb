"""Liveness and readiness probe: answers 200 only when the database answers too."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE, Schema, validate
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api import Blueprint
from app.auth.guard import PUBLIC
from app.database import get_session
from app.schemas.fields import StrictString

blp = Blueprint("health", __name__, description="Probes for load balancers and orchestrators.")


class HealthSchema(Schema):
    class Meta:
        unknown = RAISE

    status = StrictString(required=True, validate=validate.OneOf(["ok"]), metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="healthCheck", security=PUBLIC, summary="Is the service able to serve requests")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema="Error", description="The database is unreachable.")
    def get(self) -> dict[str, str]:
        try:
            get_session().execute(text("SELECT 1"))
        except SQLAlchemyError:
            abort(503, message="The database is unreachable.")
        return {"status": "ok"}
