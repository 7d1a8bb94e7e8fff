"""Many simultaneous requests for one slot: exactly one wins, on both databases."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from booking.accounts.operations import issue_token
from booking.bookings.models import Booking
from booking.core.db import db

from .conftest import make_test_app, next_monday, rfc3339

CONCURRENT_REQUESTS = 24


@contextmanager
def serve(url: str):
    """The app behind a real threaded HTTP server, so requests truly run at once."""
    app = make_test_app(url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


def test_exactly_one_of_many_concurrent_bookings_wins(world, make_user, database_url):
    tokens = []
    for _ in range(CONCURRENT_REQUESTS):
        user = make_user("researcher", world.owner if len(tokens) % 2 else world.other)
        tokens.append(issue_token(user, timedelta(hours=1))[0])
    instrument_id = world.instrument.id
    # End this session's transaction: on SQLite it would hold the write lock the server needs.
    db.session.commit()
    start = next_monday(10)
    # Overlapping but not identical windows, so no two requests are the same.
    bodies = [{"instrument_id": instrument_id, "start": rfc3339(start + timedelta(minutes=30 * (i % 3))),
               "end": rfc3339(start + timedelta(minutes=90 + 30 * (i % 3)))} for i in range(CONCURRENT_REQUESTS)]
    barrier = threading.Barrier(CONCURRENT_REQUESTS)
    results: list[tuple[int, dict]] = []

    def attempt(i: int) -> None:
        barrier.wait()
        response = requests.post(f"http://127.0.0.1:{server.server_port}/api/v1/bookings", json=bodies[i],
                                 headers={"Authorization": f"Bearer {tokens[i]}"}, timeout=60)
        results.append((response.status_code, response.json()))

    with serve(database_url) as server:
        workers = [threading.Thread(target=attempt, args=(i,)) for i in range(CONCURRENT_REQUESTS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CONCURRENT_REQUESTS - 1), results
    assert all(body["error"]["code"] == "booking_conflict" for status, body in results if status == 409)
    db.session.expire_all()
    assert db.session.query(Booking).filter(Booking.instrument_id == instrument_id).count() == 1


def test_postgresql_constraint_refuses_overlap_even_without_checks(app, world, database_url):
    """The exclusion constraint holds when application checks are bypassed entirely."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite serialises writers instead")
    start = next_monday(10)

    def raw_booking(offset_minutes: int, status: str = "confirmed") -> Booking:
        begin = start + timedelta(minutes=offset_minutes)
        return Booking(instrument_id=world.instrument.id, user_id=world.researcher.id, start_dt=begin,
                       end_dt=begin + timedelta(hours=1), blocked_until_dt=begin + timedelta(hours=1),
                       status=status, external=False, rate_kind="internal", rate_per_hour=0, price_amount=0)

    db.session.add(raw_booking(0))
    db.session.commit()
    db.session.add(raw_booking(30, status="cancelled"))  # inactive bookings may overlap
    db.session.commit()
    db.session.add(raw_booking(30))
    with pytest.raises(IntegrityError, match="ex_bookings_no_overlap"):
        db.session.commit()
    db.session.rollback()
