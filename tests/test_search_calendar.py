"""Search across campuses, availability, and the iCalendar feeds (parsed back)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from booking.core.db import db

from .conftest import next_monday, rfc3339


@pytest.fixture
def campuses(world, make_lab, make_instrument):
    """An XRD in Dalian, an NMR in Shenyang, plus the world's SEM in Shenyang."""
    xrd = make_instrument(world.other_lab, name="X-ray diffractometer", category="xrd", model="D8 Advance")
    nmr = make_instrument(world.lab, name="NMR spectrometer", category="nmr", manufacturer="Bruker")
    return {"sem": world.instrument, "xrd": xrd, "nmr": nmr}


def names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("query, expected", [
    ("q=diffractometer", ["X-ray diffractometer"]),
    ("q=bruker nmr", ["NMR spectrometer"]),
    ("q=D8", ["X-ray diffractometer"]),
    ("category=electron_microscopy", ["Scanning electron microscope"]),
    ("city=dalian", ["X-ray diffractometer"]),
    ("q=100%25", []),
])
def test_keyword_category_city(api, world, campuses, query, expected):
    assert names(api.as_(world.researcher).get(f"/api/v1/instruments?{query}")) == expected


def test_institution_filter(api, world, campuses):
    found = names(api.as_(world.researcher).get(f"/api/v1/instruments?institution_id={world.other.id}"))
    assert found == ["X-ray diffractometer"]


def test_near_and_radius_give_distances(api, world, campuses):
    # From Shenyang city centre: the Shenyang lab is ~3 km away, Dalian ~362 km.
    body = api.as_(world.researcher).get("/api/v1/instruments?near=41.8,123.43&radius_km=50").get_json()
    assert {i["name"] for i in body["items"]} == {"Scanning electron microscope", "NMR spectrometer"}
    assert all(i["distance_km"] < 5 for i in body["items"])
    far = api.as_(world.researcher).get("/api/v1/instruments?near=41.8,123.43").get_json()["items"]
    assert far[-1]["name"] == "X-ray diffractometer"
    assert 355 < far[-1]["distance_km"] < 370  # great-circle Shenyang–Dalian
    assert far[-1]["campus"]["city"] == "Dalian"
    assert far[-1]["institution"]["code"] == "DUT"


def test_free_window_excludes_booked_and_maintenance(api, world, campuses):
    start = next_monday(10)
    api.as_(world.researcher).post("/api/v1/bookings", json={
        "instrument_id": campuses["sem"].id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1))})
    api.as_(world.manager).post(f"/api/v1/instruments/{campuses['nmr'].id}/maintenance", json={
        "start": rfc3339(start - timedelta(hours=2)), "end": rfc3339(start + timedelta(minutes=30)), "reason": "He"})
    window = f"free_from={rfc3339(start)}&free_to={rfc3339(start + timedelta(hours=2))}".replace("+", "%2B")
    assert names(api.as_(world.researcher).get(f"/api/v1/instruments?{window}")) == ["X-ray diffractometer"]
    later = f"free_from={rfc3339(start + timedelta(hours=1))}&free_to={rfc3339(start + timedelta(hours=2))}"
    assert set(names(api.as_(world.researcher).get(f"/api/v1/instruments?{later.replace('+', '%2B')}"))) == {
        "Scanning electron microscope", "NMR spectrometer", "X-ray diffractometer"}


def test_free_window_respects_opening_hours(api, world, campuses):
    world.other_lab.opening_hours = {"mon": [["09:00", "17:00"]]}
    db.session.commit()
    evening = next_monday(18)
    window = f"free_from={rfc3339(evening)}&free_to={rfc3339(evening + timedelta(hours=1))}".replace("+", "%2B")
    assert "X-ray diffractometer" not in names(api.as_(world.researcher).get(f"/api/v1/instruments?{window}"))


def test_pagination(api, world, campuses):
    body = api.as_(world.researcher).get("/api/v1/instruments?per_page=2&page=2").get_json()
    assert body["total"] == 3 and body["page"] == 2 and len(body["items"]) == 1


def test_availability_hides_identities(api, world):
    start = next_monday(10)
    world.lab.opening_hours = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    world.instrument.buffer_minutes = 30
    db.session.commit()
    api.as_(world.researcher).post("/api/v1/bookings", json={
        "instrument_id": world.instrument.id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1)),
        "purpose": "secret project"})
    day_start = start - timedelta(hours=2)  # 08:00 local
    response = api.as_(world.external).get(
        f"/api/v1/instruments/{world.instrument.id}/availability?from={rfc3339(day_start)}"
        f"&to={rfc3339(day_start + timedelta(hours=24))}".replace("+", "%2B"))
    body = response.get_json()
    z = lambda dt: rfc3339(dt).replace("+00:00", "Z")  # noqa: E731
    assert {"start": z(start), "end": z(start + timedelta(minutes=90)), "kind": "booking"} in body["busy"]
    assert {"start": z(day_start + timedelta(hours=12)), "end": z(day_start + timedelta(hours=24)),
            "kind": "closed"} in body["busy"]
    assert body["free"] == [{"start": z(day_start), "end": z(start)},
                            {"start": z(start + timedelta(minutes=90)), "end": z(day_start + timedelta(hours=12))}]
    assert "secret" not in response.get_data(as_text=True)
    assert all(set(entry) == {"start", "end", "kind"} for entry in body["busy"])


def test_instrument_calendar_is_valid_ics_without_names(api, world):
    start = next_monday(10)
    api.as_(world.researcher).post("/api/v1/bookings", json={
        "instrument_id": world.instrument.id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=2)),
        "purpose": "confidential"})
    response = api.get(f"/api/v1/instruments/{world.instrument.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    assert events[0].decoded("dtstart") == start
    assert events[0].decoded("dtend") == start + timedelta(hours=2)
    assert str(events[0]["summary"]) == "Busy"
    assert calendar["version"] == "2.0" and "prodid" in calendar
    text = response.get_data(as_text=True)
    assert "confidential" not in text and world.researcher.name not in text
    assert all(line.endswith("\r") or not line for line in text.split("\n"))  # CRLF line ends


def test_personal_calendar_by_key(api, world):
    start = next_monday(10)
    api.as_(world.researcher).post("/api/v1/bookings", json={
        "instrument_id": world.instrument.id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1)),
        "purpose": "alloy grains"})
    feed = api.as_(world.researcher).get("/api/v1/me").get_json()["calendar_feed"]
    calendar = Calendar.from_ical(api.get(feed).data)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == world.instrument.name
    assert str(event["description"]) == "alloy grains"
    assert event.decoded("dtstart") == start
    assert api.get("/api/v1/me/calendar.ics?key=wrong").status_code == 401
