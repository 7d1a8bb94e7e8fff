"""Bad input always gets the CONTRACT's error format with the right status, never a 500."""
from __future__ import annotations

from datetime import timedelta

import pytest

from booking.bookings.models import Booking
from booking.core.db import db

from .conftest import next_monday, rfc3339
from .support.api import error_code


def booking_body(world, **overrides):
    start = next_monday(10)
    body = {"instrument_id": world.instrument.id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1))}
    return {**body, **overrides}


@pytest.mark.parametrize("overrides, field", [
    ({"start": "2026-12-07T09:00:00"}, "start"),                      # naive: no offset
    ({"start": "next tuesday"}, "start"),
    ({"instrument_id": "7"}, "instrument_id"),                         # wrong type
    ({"instrument_id": 10**12}, "instrument_id"),
    ({"colour": "blue"}, "colour"),                                    # unknown field
    ({"end": "2020-01-01T00:00:00+08:00"}, "end"),                     # end before start
    ({"end": "2036-01-01T00:00:00+08:00"}, "end"),                     # years long
    ({"purpose": "x" * 5000}, "purpose"),
])
def test_booking_body_validation(api, world, overrides, field):
    response = api.as_(world.researcher).post("/api/v1/bookings", json=booking_body(world, **overrides))
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in str(response.get_json()["error"]["details"])
    assert db.session.query(Booking).count() == 0


@pytest.mark.parametrize("data, content_type", [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ("null", "application/json"),
    ("instrument_id=1", "application/x-www-form-urlencoded"),
    ("", "application/json"),
])
def test_malformed_bodies(api, world, data, content_type):
    response = api.as_(world.researcher).post("/api/v1/bookings", data=data, content_type=content_type)
    assert response.status_code == 400
    assert error_code(response) in ("validation_error", "invalid_request")


def test_oversized_body_is_refused(api, world):
    response = api.as_(world.researcher).post("/api/v1/bookings", data="{" + " " * (2 * 1024 * 1024) + "}",
                                              content_type="application/json")
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


@pytest.mark.parametrize("query", ["per_page=1000000", "page=0", "per_page=abc", "free_from=2026-12-07T09:00:00",
                                   "near=91,0", "radius_km=5", "unknown=1",
                                   "free_from=2026-12-07T09:00:00Z&free_to=2026-12-01T09:00:00Z"])
def test_bad_query_strings(api, world, query):
    response = api.as_(world.researcher).get(f"/api/v1/instruments?{query}")
    assert response.status_code == 400
    assert error_code(response) == "validation_error"


@pytest.mark.parametrize("path", ["/api/v1/bookings/999999", "/api/v1/instruments/999999",
                                  "/api/v1/institutions/999999", "/api/v1/labs/424242", "/api/v1/nothing-here"])
def test_unknown_ids_are_404_json(api, world, path):
    response = api.as_(world.researcher).get(path)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_unknown_instrument_in_booking_body_is_404(api, world):
    response = api.as_(world.researcher).post("/api/v1/bookings", json=booking_body(world, instrument_id=999999))
    assert response.status_code == 404


def test_other_users_booking_is_invisible(api, world):
    created = api.as_(world.researcher).post("/api/v1/bookings", json=booking_body(world)).get_json()
    for path in (f"/api/v1/bookings/{created['id']}",):
        assert api.as_(world.external).get(path).status_code == 404
    response = api.as_(world.external).post(f"/api/v1/bookings/{created['id']}/cancel", json={})
    assert response.status_code == 404
    assert db.session.get(Booking, created["id"]).status == "confirmed"


def test_wrong_method_is_json(api, world):
    response = api.as_(world.researcher).request("PUT", "/api/v1/bookings")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}])
def test_missing_or_bad_token(api, headers):
    response = api.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize("body", [
    {"name": "Lab", "campus_id": 1, "timezone": "Mars/Olympus"},
    {"name": "Lab", "campus_id": 1, "opening_hours": {"funday": [["08:00", "18:00"]]}},
    {"name": "Lab", "campus_id": 1, "opening_hours": {"mon": [["18:00", "08:00"]]}},
    {"name": "Lab", "campus_id": 1, "opening_hours": {"mon": [["8am", "6pm"]]}},
    {"name": "Lab", "campus_id": 1, "opening_hours": {"mon": "all day"}},
])
def test_lab_validation(api, world, body):
    response = api.as_(world.province_admin).post("/api/v1/labs", json=body)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"


@pytest.mark.parametrize("patch", [
    {"original_value_cny": "-5"}, {"original_value_cny": "NaN"}, {"kind": "magic"},
    {"policy": {"slot_minutes": 0}}, {"policy": {"approval": "sometimes"}}, {"rates": {"internal_per_hour": "abc"}},
    {"policy": {"surprise": 1}},
])
def test_instrument_validation(api, world, patch):
    response = api.as_(world.manager).patch(f"/api/v1/instruments/{world.instrument.id}", json=patch)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_policy_cross_field_rule(api, world):
    response = api.as_(world.manager).patch(f"/api/v1/instruments/{world.instrument.id}",
                                            json={"policy": {"min_minutes": 600}})
    assert response.status_code == 422
    assert error_code(response) == "invalid_policy"
    db.session.expire_all()
    assert world.instrument.min_minutes == 30
