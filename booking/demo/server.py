"""``labshare demo``: the whole system on one machine with embedded defaults."""
from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

from booking.accounts.models import User
from booking.accounts.operations import create_user, normalise_email
from booking.app import create_app
from booking.core.db import db

from .seed import DEMO_PASSWORD, demo_accounts, seed_demo

logger = logging.getLogger(__name__)


def prepare_database(app) -> None:
    """Apply migrations, seed the demo once, and add the admin named by the environment."""
    with app.app_context():
        upgrade()
        seed_demo()
        _ensure_env_admin()
        db.session.commit()


def _ensure_env_admin() -> None:
    email, password = os.environ.get("LABSHARE_ADMIN_EMAIL"), os.environ.get("LABSHARE_ADMIN_PASSWORD")
    if email and password and not db.session.scalar(select(User.id).where(User.email == normalise_email(email))):
        create_user(email, "Administrator", password, "province_admin", None)


def run_demo(host: str, port: int, data_dir: Path, echo=print) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop cleanly."""
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{(data_dir / 'labshare.db').resolve()}"})
    echo(f"Preparing the database in {data_dir} …")
    prepare_database(app)
    server = make_server(host, port, app, threaded=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    thread.start()
    _print_welcome(echo, host, server.server_port)
    stop.wait()
    echo("Stopping …")
    server.shutdown()
    thread.join(timeout=10)
    echo("Stopped.")


def _print_welcome(echo, host: str, port: int) -> None:
    url = f"http://{host}:{port}"
    echo(f"\nLabShare demo is running at {url}\n  API docs: {url}/api/docs\n  OpenAPI:  {url}/api/v1/openapi.json\n")
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for account in demo_accounts():
        echo(f"  {account.email:<42} {account.role:<18} {account.institution or ''}")
    echo("\nPress Ctrl-C to stop.")
