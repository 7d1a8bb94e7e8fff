"""Scheduled jobs. Each is idempotent, runs in its own app context and commits once."""
from __future__ import annotations

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from booking.bookings.operations import complete_finished_bookings
from booking.core.db import db

logger = logging.getLogger(__name__)


def complete_bookings_job(app) -> int:
    """Confirmed bookings that have ended become ``completed`` (and so chargeable)."""
    with app.app_context():
        count = complete_finished_bookings()
        db.session.commit()
    if count:
        logger.info("completed %d finished bookings", count)
    return count


def run_scheduler(app) -> None:
    """Run every job on its interval until SIGTERM/SIGINT. Run exactly one such process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(complete_bookings_job, "interval", minutes=1, args=[app], id="complete_bookings")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: scheduler.shutdown(wait=False))
    logger.info("scheduler started")
    scheduler.start()
