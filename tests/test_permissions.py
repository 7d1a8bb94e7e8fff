"""Every role's permissions on every endpoint that changes or reveals something."""
from __future__ import annotations

from datetime import timedelta

import pytest

from booking.core.db import db

from .conftest import next_monday, rfc3339

ROLES = ("researcher", "external", "manager", "other_manager", "inst_admin", "other_admin", "province_admin",
         "service")


def allowed(*who):
    return {role: role in who for role in ROLES}


def _lab_body(w):
    return {"campus_id": w.lab.campus_id, "name": "New lab"}


def _instrument_body(w):
    return {"lab_id": w.lab.id, "name": "XRD", "category": "xrd", "original_value_cny": "2100000"}


CASES = [
    ("create institution", "POST", lambda w: "/api/v1/institutions", lambda w: {"code": "LNU", "name": "辽宁大学"},
     allowed("province_admin"), 201),
    ("patch institution", "PATCH", lambda w: f"/api/v1/institutions/{w.owner.id}", lambda w: {"name_en": "NEU"},
     allowed("inst_admin", "province_admin"), 200),
    ("create campus", "POST", lambda w: "/api/v1/campuses",
     lambda w: {"institution_id": w.owner.id, "name": "Hunnan", "city": "Shenyang", "lat": 41.65, "lon": 123.49},
     allowed("inst_admin", "province_admin"), 201),
    ("patch campus", "PATCH", lambda w: f"/api/v1/campuses/{w.lab.campus_id}", lambda w: {"name": "Nanhu"},
     allowed("inst_admin", "province_admin"), 200),
    ("create lab", "POST", lambda w: "/api/v1/labs", _lab_body, allowed("inst_admin", "province_admin"), 201),
    ("patch lab", "PATCH", lambda w: f"/api/v1/labs/{w.lab.id}", lambda w: {"name": "Renamed lab"},
     allowed("manager", "inst_admin", "province_admin"), 200),
    ("create instrument", "POST", lambda w: "/api/v1/instruments", _instrument_body,
     allowed("manager", "inst_admin", "province_admin"), 201),
    ("patch instrument", "PATCH", lambda w: f"/api/v1/instruments/{w.instrument.id}", lambda w: {"name": "SEM 2"},
     allowed("manager", "inst_admin", "province_admin"), 200),
    ("qualify", "POST", lambda w: f"/api/v1/instruments/{w.instrument.id}/qualifications",
     lambda w: {"user_id": w.external.id}, allowed("manager", "inst_admin", "province_admin"), 201),
    ("maintenance", "POST", lambda w: f"/api/v1/instruments/{w.instrument.id}/maintenance",
     lambda w: {"start": rfc3339(next_monday(8)), "end": rfc3339(next_monday(9)), "reason": "service"},
     allowed("manager", "inst_admin", "province_admin"), 201),
    ("create researcher", "POST", lambda w: "/api/v1/users",
     lambda w: {"email": "new@neu.edu.cn", "name": "New", "password": "long enough", "role": "researcher",
                "institution_id": w.owner.id}, allowed("inst_admin", "province_admin"), 201),
    ("create province admin", "POST", lambda w: "/api/v1/users",
     lambda w: {"email": "boss@ln.gov.cn", "name": "Boss", "password": "long enough", "role": "province_admin"},
     allowed("province_admin"), 201),
    ("list users", "GET", lambda w: "/api/v1/users", lambda w: None,
     allowed("manager", "other_manager", "inst_admin", "other_admin", "province_admin"), 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, method, path, body, expected, ok_status", CASES, ids=[c[0] for c in CASES])
def test_registry_permissions(api, world, role, name, method, path, body, expected, ok_status):
    response = api.as_(getattr(world, role)).request(method, path(world), json=body(world))
    want = ok_status if expected[role] else 403
    assert response.status_code == want, (role, response.get_json())


def _booking(api, world, user, hour=10):
    start = next_monday(hour)
    return api.as_(user).post("/api/v1/bookings", json={
        "instrument_id": world.instrument.id, "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1))})


@pytest.mark.parametrize("role, can_view, can_decide, can_cancel", [
    ("researcher", True, False, True),     # the booker
    ("external", False, False, False),
    ("manager", True, True, True),
    ("other_manager", False, False, False),
    ("inst_admin", True, True, True),
    ("other_admin", True, False, False),   # the booker's institution admin follows its people's bookings
    ("province_admin", True, True, True),
    ("service", False, False, False),
])
def test_booking_permissions(api, world, role, can_view, can_decide, can_cancel):
    world.instrument.approval = "all"
    db.session.commit()
    booker = world.researcher if role != "other_admin" else world.external
    booking = _booking(api, world, booker).get_json()
    actor = api.as_(getattr(world, role))
    assert actor.get(f"/api/v1/bookings/{booking['id']}").status_code == (200 if can_view else 404)
    listed = actor.get("/api/v1/bookings").get_json()["items"]
    assert (booking["id"] in [b["id"] for b in listed]) == can_view
    reject = actor.post(f"/api/v1/bookings/{booking['id']}/approve", json={})
    assert reject.status_code == (200 if can_decide else 403 if can_view else 404)
    cancel = actor.post(f"/api/v1/bookings/{booking['id']}/cancel", json={})
    assert cancel.status_code == (200 if can_cancel else 403 if can_view else 404)


def test_institution_admin_cannot_create_in_other_institution(api, world):
    response = api.as_(world.inst_admin).post("/api/v1/users", json={
        "email": "x@dut.edu.cn", "name": "X", "password": "long enough", "role": "researcher",
        "institution_id": world.other.id})
    assert response.status_code == 403


def test_lab_manager_cannot_move_instrument_to_foreign_lab(api, world):
    response = api.as_(world.manager).patch(f"/api/v1/instruments/{world.instrument.id}",
                                            json={"lab_id": world.other_lab.id})
    assert response.status_code == 403


def test_users_list_is_scoped_to_institution(api, world):
    emails = {u["email"] for u in api.as_(world.inst_admin).get("/api/v1/users?per_page=500").get_json()["items"]}
    assert world.researcher.email in emails
    assert world.external.email not in emails
    everyone = api.as_(world.province_admin).get("/api/v1/users?per_page=500").get_json()
    assert everyone["total"] == 8
