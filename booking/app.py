"""The application factory: the only place a booking app is built."""
from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from flask import request
from flask_migrate import Migrate

from booking import commands, config
from booking import models  # noqa: F401 - every mapper before the first query
from booking.accounts.api import bp as accounts
from booking.bookings.api import bp as bookings
from booking.calendars.api import bp as calendars
from booking.core import errors
from booking.core.db import db, write_intent
from booking.core.limits import limiter
from booking.devices.api import bp as devices
from booking.core.schemas import make_query_strings_strict
from booking.health import bp as health
from booking.registry.api import bp as registry
from booking.registry.instruments_api import bp as instruments
from booking.usage.api import bp as usage

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

migrate = Migrate()


def create_app(overrides: dict | None = None) -> APIFlask:
    app = APIFlask(__name__, title="LabShare API", version="1", spec_path="/api/v1/openapi.json",
                   docs_path="/api/docs")
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    app.config.update(VALIDATION_ERROR_STATUS_CODE=400, SECURITY_SCHEMES={
        "BearerAuth": {"type": "http", "scheme": "bearer"}})
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    limiter.init_app(app)
    errors.init_app(app)
    make_query_strings_strict()
    _register_blueprints(app)
    _one_commit_per_request(app)
    _register_commands(app)
    return app


def _register_blueprints(app: APIFlask) -> None:
    for blueprint in (health, accounts, registry, instruments, calendars, bookings, devices, usage):
        app.register_blueprint(blueprint)


def _one_commit_per_request(app: APIFlask) -> None:
    """Commit once when the request succeeded, roll back otherwise; never in views."""

    @app.before_request
    def _declare_intent():
        request.environ["labshare.intent"] = write_intent.set(request.method not in READ_ONLY_METHODS)

    @app.after_request
    def _commit(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _reset(_exc):
        token = request.environ.pop("labshare.intent", None)
        if token is not None:
            write_intent.reset(token)


def _register_commands(app: APIFlask) -> None:
    for command in commands.COMMANDS:
        app.cli.add_command(command)
