"""``/healthz`` (the process is up) and ``/readyz`` (the database answers)."""
from apiflask import APIBlueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from booking.core.db import db
from booking.core.errors import ApiError

bp = APIBlueprint("health", __name__, tag="Health")


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ApiError(503, "database_unavailable", "the database does not answer") from exc
    return {"status": "ready"}
