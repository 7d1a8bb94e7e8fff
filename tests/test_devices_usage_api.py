"""Device registration against real mosquitto (dynamic security), and the usage-session API."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.bookings.models import Booking
from booking.core.db import db

from .support.api import error_code
from .support.mosquitto import MosquittoServer
from .support.platform import DevicePublisher, broker_config


@pytest.fixture(scope="module")
def mosquitto():
    server = MosquittoServer().start()
    yield server
    server.remove()


@pytest.fixture
def dynsec(app, mosquitto):
    app.config.update(broker_config(mosquitto, "labshare/v1"))
    return mosquitto


def register(api, user, instrument, **extra):
    return api.as_(user).post("/api/v1/devices", json={"instrument_id": instrument.id, "kind": "smart_plug", **extra})


def test_register_rotate_revoke_with_the_broker(api, world, dynsec):
    created = register(api, world.manager, world.instrument, in_use_threshold_w=80)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["mqtt"]["username"] == body["device_id"] and body["mqtt"]["port"] == dynsec.port
    assert body["in_use_threshold_w"] == 80 and body["online"] is False
    device = DevicePublisher(dynsec.port, body["mqtt"])
    assert device.connected.is_set()
    device.close()

    rotated = api.as_(world.manager).post(f"/api/v1/devices/{body['device_id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.get_json()["password"] != body["mqtt"]["password"]
    old = DevicePublisher(dynsec.port, body["mqtt"], client_id="old-secret")
    assert old.refused.is_set()
    old.close()
    new = DevicePublisher(dynsec.port, rotated.get_json())
    assert new.connected.is_set()

    assert api.as_(world.manager).delete(f"/api/v1/devices/{body['device_id']}").status_code == 204
    assert api.as_(world.manager).get(f"/api/v1/devices/{body['device_id']}").get_json()["revoked"] is True
    new.close()
    revoked = DevicePublisher(dynsec.port, rotated.get_json(), client_id="after-revoke")
    assert revoked.refused.is_set()
    revoked.close()
    again = api.as_(world.manager).delete(f"/api/v1/devices/{body['device_id']}")
    assert again.status_code == 409 and error_code(again) == "device_revoked"


def test_unreachable_broker_is_a_clear_503_and_nothing_is_written(api, world, app):
    app.config.update({"BROKER_ADMIN": "dynsec", "MQTT_URL": "mqtt://127.0.0.1:9", "MQTT_ADMIN_USERNAME": "admin",
                       "MQTT_ADMIN_PASSWORD": "x"})
    response = register(api, world.manager, world.instrument)
    assert response.status_code == 503 and error_code(response) == "broker_unavailable"
    assert api.as_(world.province_admin).get("/api/v1/devices").get_json()["total"] == 0


@pytest.mark.parametrize("role, status", [("manager", 201), ("inst_admin", 201), ("province_admin", 201),
                                          ("other_manager", 403), ("researcher", 403), ("service", 403)])
def test_who_may_register(api, world, role, status):
    assert register(api, getattr(world, role), world.instrument).status_code == status


@pytest.mark.parametrize("body", [{"kind": "toaster"}, {"kind": "smart_plug", "in_use_threshold_w": -1},
                                  {"kind": "smart_plug", "report_interval_s": 0}, {"kind": "smart_plug", "x": 1}])
def test_device_validation(api, world, body):
    response = api.as_(world.manager).post("/api/v1/devices", json={"instrument_id": world.instrument.id, **body})
    assert response.status_code == 400 and error_code(response) == "validation_error"


def session_body(device_id, start, end, session_id="s-1", **extra):
    return {"session_id": session_id, "device_id": device_id, "start": start.isoformat(),
            "end": end.isoformat() if end else None, "source": "power", **extra}


def test_usage_sessions_are_idempotent_and_attributed_by_largest_overlap(api, world):
    device_id = register(api, world.manager, world.instrument).get_json()["device_id"]
    t0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    for user, offset in ((world.researcher, 0), (world.external, 2)):  # bookings 01–03 and 03–05
        db.session.add(Booking(instrument_id=world.instrument.id, user_id=user.id, start_dt=t0 + timedelta(hours=offset),
                               end_dt=t0 + timedelta(hours=offset + 2), blocked_until_dt=t0 + timedelta(hours=offset + 2),
                               status="completed", external=user is world.external, rate_kind="internal",
                               rate_per_hour=0, price_amount=0))
    db.session.commit()
    service = api.as_(world.service)
    body = session_body(device_id, t0 + timedelta(hours=1, minutes=30), t0 + timedelta(hours=4))
    first = service.post("/api/v1/usage-sessions", json=body).get_json()
    again = service.post("/api/v1/usage-sessions", json=body).get_json()
    assert first == again and first["user_id"] == world.external.id and first["external"] is True  # 1 h vs 30 min
    usage = api.as_(world.manager).get(f"/api/v1/instruments/{world.instrument.id}/usage", query_string={
        "from": t0.isoformat(), "to": (t0 + timedelta(hours=3)).isoformat()}).get_json()
    assert usage["effective_hours"] == 1.5 and len(usage["sessions"]) == 1   # clipped to the period
    service.post("/api/v1/usage-sessions", json={**body, "void": True})
    assert api.as_(world.manager).get(f"/api/v1/instruments/{world.instrument.id}/usage", query_string={
        "from": t0.isoformat(), "to": (t0 + timedelta(hours=5)).isoformat()}).get_json()["effective_hours"] == 0


def test_usage_sessions_are_for_the_service_only(api, world):
    device_id = register(api, world.manager, world.instrument).get_json()["device_id"]
    now = datetime.now(UTC)
    body = session_body(device_id, now - timedelta(hours=1), now)
    assert api.as_(world.manager).post("/api/v1/usage-sessions", json=body).status_code == 403
    unknown = api.as_(world.service).post("/api/v1/usage-sessions", json={**body, "device_id": "dev-nope"})
    assert unknown.status_code == 422 and error_code(unknown) == "unknown_device"
    backwards = api.as_(world.service).post("/api/v1/usage-sessions", json=session_body(device_id, now, now - timedelta(1)))
    assert backwards.status_code == 400


def test_others_see_usage_without_identities(api, world):
    device_id = register(api, world.manager, world.instrument).get_json()["device_id"]
    t0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    db.session.add(Booking(instrument_id=world.instrument.id, user_id=world.researcher.id, start_dt=t0,
                           end_dt=t0 + timedelta(hours=2), blocked_until_dt=t0 + timedelta(hours=2), status="completed",
                           external=False, rate_kind="internal", rate_per_hour=0, price_amount=0))
    db.session.commit()
    api.as_(world.service).post("/api/v1/usage-sessions", json=session_body(device_id, t0, t0 + timedelta(hours=1)))
    window = {"from": t0.isoformat(), "to": (t0 + timedelta(hours=2)).isoformat()}
    seen_by_other = api.as_(world.external).get(f"/api/v1/instruments/{world.instrument.id}/usage",
                                                query_string=window).get_json()
    assert seen_by_other["sessions"][0]["user_id"] is None and seen_by_other["effective_hours"] == 1.0
    own = api.as_(world.researcher).get(f"/api/v1/instruments/{world.instrument.id}/usage", query_string=window)
    assert own.get_json()["sessions"][0]["user_id"] == world.researcher.id


def test_telemetry_query_validation(api, world):
    base = f"/api/v1/instruments/{world.instrument.id}/telemetry"
    now = datetime.now(UTC)
    for params in ({"from": now.isoformat(), "to": (now + timedelta(days=1)).isoformat(), "every": "1s"},
                   {"from": now.isoformat(), "to": (now + timedelta(hours=1)).isoformat(), "metric": "Power W"},
                   {"from": now.isoformat(), "to": (now + timedelta(days=40)).isoformat()}):
        response = api.as_(world.researcher).get(base, query_string=params)
        assert response.status_code == 400 and error_code(response) == "validation_error", params




def test_broker_setup_command_creates_the_worker_account(app, dynsec):
    runner = app.test_cli_runner()
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["broker", "setup", "--worker-password", "worker-pw"])
        assert result.exit_code == 0, result.output
    worker = DevicePublisher(dynsec.port, {"topic_prefix": "labshare/v1", "username": "labshare-worker",
                                           "password": "worker-pw"}, client_id="setup-check")
    assert worker.connected.is_set()
    worker.close()
