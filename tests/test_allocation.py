"""Every allocation rule and its refusal code, external pricing, approval, cancel."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.core.db import db
from booking.registry.models import MaintenanceWindow

from .conftest import next_monday, rfc3339
from .support.api import error_code


def book(api, user, instrument, start, minutes=60, **extra):
    body = {"instrument_id": instrument.id, "start": rfc3339(start),
            "end": rfc3339(start + timedelta(minutes=minutes)), **extra}
    return api.as_(user).post("/api/v1/bookings", json=body)


def set_policy(instrument, **policy):
    for name, value in policy.items():
        setattr(instrument, name, value)
    db.session.commit()


def test_internal_booking_is_confirmed_at_internal_rate(api, world):
    start = next_monday(10)
    response = book(api, world.researcher, world.instrument, start, minutes=90, purpose="SEM of alloys")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "confirmed"
    assert body["external"] is False
    assert body["price"] == {"amount": "150.00", "currency": "CNY", "rate": "internal"}
    assert body["start"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["user_id"] == world.researcher.id


def test_external_booking_uses_external_rate_and_approval_policy(api, world):
    set_policy(world.instrument, approval="external")
    body = book(api, world.external, world.instrument, next_monday(10), minutes=120).get_json()
    assert body["external"] is True
    assert body["status"] == "pending"
    assert body["price"] == {"amount": "300.00", "currency": "CNY", "rate": "external"}
    internal = book(api, world.researcher, world.instrument, next_monday(14)).get_json()
    assert internal["status"] == "confirmed"


def test_approval_all_makes_internal_bookings_pending(api, world):
    set_policy(world.instrument, approval="all")
    assert book(api, world.researcher, world.instrument, next_monday(10)).get_json()["status"] == "pending"


@pytest.mark.parametrize("start_offset, minutes, policy, code, status", [
    (timedelta(hours=-2), 60, {}, "in_past", 422),
    (timedelta(days=90), 60, {}, "outside_horizon", 422),
    (timedelta(0), 30, {"min_minutes": 60}, "too_short", 422),
    (timedelta(0), 600, {}, "too_long", 422),
    (timedelta(minutes=15), 60, {}, "not_aligned", 422),
    (timedelta(0), 45, {}, "not_aligned", 422),
    (timedelta(0), 60, {"status": "maintenance"}, "instrument_unavailable", 422),
    (timedelta(0), 60, {"status": "retired"}, "instrument_unavailable", 422),
    (timedelta(0), 60, {"requires_training": True}, "not_qualified", 403),
    (timedelta(0), 180, {"quota_hours_per_week": 2}, "quota_exceeded", 422),
])
def test_refusals(api, world, start_offset, minutes, policy, code, status):
    set_policy(world.instrument, **policy)
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) if code == "in_past" else next_monday(10)
    response = book(api, world.researcher, world.instrument, base + start_offset, minutes=minutes)
    assert response.status_code == status, response.get_json()
    assert error_code(response) == code


def test_not_shared_with_other_institution(api, world):
    set_policy(world.instrument, sharing="internal")
    response = book(api, world.external, world.instrument, next_monday(10))
    assert response.status_code == 403
    assert error_code(response) == "not_shared_with_you"
    assert book(api, world.researcher, world.instrument, next_monday(10)).status_code == 201


def test_outside_opening_hours(api, world):
    world.lab.opening_hours = {"mon": [["08:00", "12:00"], ["13:00", "18:00"]]}
    db.session.commit()
    assert error_code(book(api, world.researcher, world.instrument, next_monday(11), minutes=120)) \
        == "outside_opening_hours"
    assert error_code(book(api, world.researcher, world.instrument, next_monday(17), minutes=120)) \
        == "outside_opening_hours"
    assert book(api, world.researcher, world.instrument, next_monday(13), minutes=300).status_code == 201
    tuesday = next_monday(10) + timedelta(days=1)
    assert error_code(book(api, world.researcher, world.instrument, tuesday)) == "outside_opening_hours"


def test_adjacent_opening_ranges_join(api, world):
    world.lab.opening_hours = {"mon": [["08:00", "12:00"], ["12:00", "18:00"]]}
    db.session.commit()
    assert book(api, world.researcher, world.instrument, next_monday(11), minutes=120).status_code == 201


def test_qualification_allows_until_it_expires(api, world):
    set_policy(world.instrument, requires_training=True)
    start = next_monday(10)
    response = api.as_(world.manager).post(f"/api/v1/instruments/{world.instrument.id}/qualifications",
                                           json={"user_id": world.researcher.id,
                                                 "expires_on": (start.date() - timedelta(days=1)).isoformat()})
    assert response.status_code == 201
    assert error_code(book(api, world.researcher, world.instrument, start)) == "not_qualified"
    api.as_(world.manager).post(f"/api/v1/instruments/{world.instrument.id}/qualifications",
                                json={"user_id": world.researcher.id, "expires_on": None})
    assert book(api, world.researcher, world.instrument, start).status_code == 201


def test_overlap_is_refused_with_conflicts(api, world):
    start = next_monday(10)
    assert book(api, world.researcher, world.instrument, start, minutes=120).status_code == 201
    response = book(api, world.external, world.instrument, start + timedelta(hours=1))
    assert response.status_code == 409
    assert error_code(response) == "booking_conflict"
    conflicts = response.get_json()["error"]["details"]["conflicts"]
    assert conflicts == [{"start": rfc3339(start).replace("+00:00", "Z"),
                          "end": rfc3339(start + timedelta(hours=2)).replace("+00:00", "Z"), "kind": "booking"}]


def test_half_open_intervals_touch_without_conflict(api, world):
    start = next_monday(10)
    assert book(api, world.researcher, world.instrument, start).status_code == 201
    assert book(api, world.external, world.instrument, start + timedelta(hours=1)).status_code == 201
    assert book(api, world.external, world.instrument, start - timedelta(hours=1)).status_code == 201


def test_buffer_time_separates_bookings(api, world):
    set_policy(world.instrument, buffer_minutes=30)
    start = next_monday(10)
    assert book(api, world.researcher, world.instrument, start).status_code == 201
    assert error_code(book(api, world.external, world.instrument, start + timedelta(hours=1))) == "booking_conflict"
    assert error_code(book(api, world.external, world.instrument, start - timedelta(hours=1))) == "booking_conflict"
    assert book(api, world.external, world.instrument, start + timedelta(minutes=90)).status_code == 201


def test_maintenance_window_conflicts(api, world):
    start = next_monday(10)
    db.session.add(MaintenanceWindow(instrument_id=world.instrument.id, start_dt=start, end_dt=start + timedelta(hours=4),
                                     reason="annual service"))
    db.session.commit()
    response = book(api, world.researcher, world.instrument, start + timedelta(hours=1))
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["conflicts"][0]["kind"] == "maintenance"


def test_cancelled_and_rejected_bookings_free_the_slot(api, world):
    set_policy(world.instrument, approval="external")
    start = next_monday(10)
    first = book(api, world.external, world.instrument, start).get_json()
    assert api.as_(world.manager).post(f"/api/v1/bookings/{first['id']}/reject", json={"reason": "busy"}) \
        .get_json()["status"] == "rejected"
    second = book(api, world.researcher, world.instrument, start).get_json()
    cancelled = api.as_(world.researcher).post(f"/api/v1/bookings/{second['id']}/cancel", json={})
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert book(api, world.researcher, world.instrument, start).status_code == 201


def test_approval_rechecks_conflicts(api, world):
    set_policy(world.instrument, approval="external")
    start = next_monday(10)
    pending = book(api, world.external, world.instrument, start).get_json()
    assert pending["status"] == "pending"
    # A pending booking holds its slot; a maintenance window added later makes approval impossible.
    db.session.add(MaintenanceWindow(instrument_id=world.instrument.id, start_dt=start, end_dt=start + timedelta(hours=1),
                                     reason="repair"))
    db.session.commit()
    response = api.as_(world.manager).post(f"/api/v1/bookings/{pending['id']}/approve", json={})
    assert response.status_code == 409
    assert error_code(response) == "booking_conflict"


def test_approve_confirms_pending(api, world):
    set_policy(world.instrument, approval="external")
    pending = book(api, world.external, world.instrument, next_monday(10)).get_json()
    approved = api.as_(world.manager).post(f"/api/v1/bookings/{pending['id']}/approve", json={"reason": "ok"})
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "confirmed"
    again = api.as_(world.manager).post(f"/api/v1/bookings/{pending['id']}/approve", json={})
    assert again.status_code == 409
    assert error_code(again) == "invalid_state"


def test_quota_counts_the_week(api, world):
    set_policy(world.instrument, quota_hours_per_week=3)
    assert book(api, world.researcher, world.instrument, next_monday(8), minutes=120).status_code == 201
    assert error_code(book(api, world.researcher, world.instrument, next_monday(14), minutes=120)) == "quota_exceeded"
    assert book(api, world.researcher, world.instrument, next_monday(14), minutes=60).status_code == 201
    next_week = next_monday(14, weeks=2)
    assert book(api, world.researcher, world.instrument, next_week, minutes=120).status_code == 201


def test_accounts_without_institution_cannot_book(api, world):
    for user in (world.province_admin, world.service):
        response = book(api, user, world.instrument, next_monday(10))
        assert response.status_code == 403
        assert error_code(response) == "forbidden"


def test_lab_timezone_governs_alignment(api, world, make_lab, make_instrument):
    lab = make_lab(world.owner, timezone="Asia/Kolkata")  # UTC+05:30
    instrument = make_instrument(lab, policy={"slot_minutes": 60, "min_minutes": 60})
    start = next_monday(10)  # 02:00Z is 07:30 in Kolkata: not on the hour grid there
    assert error_code(book(api, world.researcher, instrument, start)) == "not_aligned"
    assert book(api, world.researcher, instrument, start + timedelta(minutes=30)).status_code == 201


def test_maintenance_response_reports_bookings_inside(api, world):
    start = next_monday(10)
    booking = book(api, world.researcher, world.instrument, start).get_json()
    response = api.as_(world.manager).post(f"/api/v1/instruments/{world.instrument.id}/maintenance", json={
        "start": rfc3339(start - timedelta(hours=1)), "end": rfc3339(start + timedelta(hours=3)), "reason": "service"})
    assert response.status_code == 201
    assert [b["id"] for b in response.get_json()["affected_bookings"]] == [booking["id"]]
    assert date.fromisoformat(response.get_json()["start"][:10]) == (start - timedelta(hours=1)).date()
