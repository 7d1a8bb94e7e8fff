"""Login, tokens, rate limiting, the OpenAPI document, and migrations up and down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from booking.accounts.operations import issue_token
from booking.core.db import db
from telemetry.stores.sql import metadata as telemetry_metadata

from .conftest import PASSWORD, make_test_app
from .support.api import error_code


def test_login_returns_token_that_works(api, world):
    response = api.post("/api/v1/auth/token", json={"email": world.researcher.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["id"] == world.researcher.id and body["expires_at"].endswith("Z")
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert me["role"] == "researcher" and me["institution_id"] == world.owner.id


@pytest.mark.parametrize("email, password", [("researcher1@example.edu", "wrong"), ("nobody@example.edu", PASSWORD)])
def test_login_refused(api, world, email, password):
    response = api.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"


def test_tokens_are_stored_hashed_and_expire(api, world):
    token, record = issue_token(world.researcher, timedelta(seconds=-1))
    db.session.commit()
    assert token not in record.token_hash and len(record.token_hash) == 64
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_login_attempts_are_rate_limited(database_url, world):
    app = make_test_app(database_url)
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"email": "x@example.edu", "password": "guess"}).status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    response = client.post("/api/v1/auth/token", json={"email": "x@example.edu", "password": "guess"})
    assert response.get_json()["error"]["code"] == "too_many_requests"
    with app.app_context():
        db.engine.dispose()


def test_created_user_can_log_in(api, world):
    created = api.as_(world.inst_admin).post("/api/v1/users", json={
        "email": "Li.Wei@neu.edu.cn", "name": "李伟", "password": "a long password", "role": "lab_manager",
        "institution_id": world.owner.id, "lab_ids": [world.lab.id]})
    assert created.status_code == 201
    assert created.get_json()["lab_ids"] == [world.lab.id] and created.get_json()["email"] == "li.wei@neu.edu.cn"
    again = api.as_(world.inst_admin).post("/api/v1/users", json={
        "email": "li.wei@neu.edu.cn", "name": "x", "password": "a long password", "role": "researcher",
        "institution_id": world.owner.id})
    assert again.status_code == 409 and error_code(again) == "email_taken"
    login = api.post("/api/v1/auth/token", json={"email": "li.wei@neu.edu.cn", "password": "a long password"})
    assert login.status_code == 200


def test_openapi_document_describes_the_contract(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/bookings", "/api/v1/instruments/{instrument_id}/availability", "/api/v1/auth/token",
                 "/api/v1/waitlist", "/api/v1/charges", "/api/v1/institutions", "/api/v1/users"):
        assert path in spec["paths"], path
    booking_in = spec["components"]["schemas"]["BookingIn"]
    assert set(booking_in["required"]) == {"instrument_id", "start", "end"}
    assert api.get("/api/docs").status_code == 200


def test_migrations_down_and_up_again(database_url):
    app = make_test_app(database_url)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"bookings", "instruments", "users", "waitlist_entries", "devices", "usage_sessions",
                "telemetry_samples"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), [db.metadata, telemetry_metadata])
        assert differences == []
        if db.engine.dialect.name == "postgresql":
            constraints = db.session.execute(db.text(
                "SELECT conname FROM pg_constraint WHERE contype = 'x'")).scalars().all()
            assert constraints == ["ex_bookings_no_overlap"]
        db.session.remove()
        db.engine.dispose()


def test_users_create_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Boss@LN.gov.cn", "--name", "Boss", "--password",
                                 "long enough", "--role", "province_admin"])
    assert result.exit_code == 0 and "created province_admin boss@ln.gov.cn" in result.output
    result = runner.invoke(args=["users", "create", "--email", "r@neu.edu.cn", "--name", "R", "--password",
                                 "long enough", "--role", "researcher", "--institution", "NEU"])
    assert result.exit_code == 0, result.output
    for args, message in ((["--institution", "NOPE"], "no institution with code NOPE"),
                          ([], "role researcher needs institution_id")):
        result = runner.invoke(args=["users", "create", "--email", "x@neu.edu.cn", "--name", "X", "--password",
                                     "long enough", "--role", "researcher", *args])
        assert result.exit_code != 0 and message in result.output
    login = app.test_client().post("/api/v1/auth/token", json={"email": "boss@ln.gov.cn", "password": "long enough"})
    assert login.status_code == 200
