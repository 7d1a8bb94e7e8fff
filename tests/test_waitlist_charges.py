"""The waitlist serves freed time in order; charges list completed, no-show and late-cancelled bookings."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from booking.bookings.models import Booking, Notification
from booking.bookings.operations import complete_finished_bookings
from booking.core.db import db
from booking.jobs import complete_bookings_job

from .conftest import next_monday, rfc3339
from .support.api import error_code


def slot(world, start, hours=1, **extra):
    return {"instrument_id": world.instrument.id, "start": rfc3339(start),
            "end": rfc3339(start + timedelta(hours=hours)), **extra}


def test_auto_book_entry_gets_the_freed_slot(api, world, make_user):
    start = next_monday(10)
    taken = api.as_(world.researcher).post("/api/v1/bookings", json=slot(world, start)).get_json()
    first = api.as_(world.external).post("/api/v1/waitlist", json=slot(world, start, auto_book=True))
    assert first.status_code == 201
    second_user = make_user("researcher", world.owner)
    api.as_(second_user).post("/api/v1/waitlist", json=slot(world, start, auto_book=True))
    api.as_(world.researcher).post(f"/api/v1/bookings/{taken['id']}/cancel", json={"reason": "plans changed"})
    entries = api.as_(world.external).get("/api/v1/waitlist").get_json()["items"]
    assert entries[0]["status"] == "booked"
    booking = db.session.get(Booking, entries[0]["booking_id"])
    assert booking.user_id == world.external.id and booking.status == "confirmed" and booking.external
    assert api.as_(second_user).get("/api/v1/waitlist").get_json()["items"][0]["status"] == "waiting"
    kinds = [n["kind"] for n in api.as_(world.external).get("/api/v1/me/notifications").get_json()["items"]]
    assert kinds == ["waitlist_booked"]


def test_notify_only_entry_is_notified(api, world):
    start = next_monday(10)
    taken = api.as_(world.researcher).post("/api/v1/bookings", json=slot(world, start)).get_json()
    api.as_(world.external).post("/api/v1/waitlist", json=slot(world, start))
    api.as_(world.researcher).post(f"/api/v1/bookings/{taken['id']}/cancel", json={})
    assert db.session.query(Notification).filter_by(user_id=world.external.id, kind="waitlist_notified").count() == 1
    assert db.session.query(Booking).filter_by(user_id=world.external.id).count() == 0


def test_leaving_the_waitlist(api, world):
    entry = api.as_(world.external).post("/api/v1/waitlist", json=slot(world, next_monday(10))).get_json()
    assert api.as_(world.researcher).delete(f"/api/v1/waitlist/{entry['id']}").status_code == 404
    assert api.as_(world.external).delete(f"/api/v1/waitlist/{entry['id']}").status_code == 204
    assert api.as_(world.external).get("/api/v1/waitlist").get_json()["total"] == 0


def test_charges_json_and_csv(api, world):
    start = next_monday(10)
    done = api.as_(world.external).post("/api/v1/bookings", json=slot(world, start, hours=2)).get_json()
    late = api.as_(world.researcher).post("/api/v1/bookings", json=slot(world, start + timedelta(hours=3))).get_json()
    early = api.as_(world.researcher).post("/api/v1/bookings", json=slot(world, start + timedelta(hours=5))).get_json()
    api.as_(world.researcher).post(f"/api/v1/bookings/{early['id']}/cancel", json={})
    late_booking = db.session.get(Booking, late["id"])
    late_booking.status, late_booking.cancelled_dt = "cancelled", start - timedelta(hours=2)  # 5 h before: late
    db.session.commit()
    assert complete_finished_bookings(now=start + timedelta(hours=2)) == 1
    db.session.commit()
    params = f"from={rfc3339(start - timedelta(days=1))}&to={rfc3339(start + timedelta(days=1))}".replace("+", "%2B")
    body = api.as_(world.province_admin).get(f"/api/v1/charges?{params}").get_json()
    rows = {row["booking_id"]: row for row in body["items"]}
    assert set(rows) == {done["id"], late["id"]}
    assert rows[done["id"]]["basis"] == "completed" and rows[done["id"]]["amount"] == "300.00"
    assert rows[done["id"]]["hours"] == "2.000" and rows[done["id"]]["rate_kind"] == "external"
    assert rows[late["id"]]["basis"] == "late_cancellation" and rows[late["id"]]["amount"] == "100.00"
    assert body["amount"] == "400.00"
    mine = api.as_(world.external).get(f"/api/v1/charges?{params}").get_json()
    assert [row["booking_id"] for row in mine["items"]] == [done["id"]]
    response = api.as_(world.inst_admin).get(f"/api/v1/charges?{params}&format=csv")
    assert response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["basis"] for row in table} == {"completed", "late_cancellation"}
    assert error_code(api.as_(world.inst_admin).get("/api/v1/charges")) == "validation_error"


def test_completion_job_is_idempotent(app, world):
    past = next_monday(10, weeks=-1)
    db.session.add(Booking(instrument_id=world.instrument.id, user_id=world.researcher.id, start_dt=past,
                           end_dt=past + timedelta(hours=1), blocked_until_dt=past + timedelta(hours=1),
                           status="confirmed", external=False, rate_kind="internal", rate_per_hour=100,
                           price_amount=100))
    db.session.commit()
    assert complete_bookings_job(app) == 1
    assert complete_bookings_job(app) == 0
    db.session.expire_all()
    assert db.session.query(Booking).one().status == "completed"
