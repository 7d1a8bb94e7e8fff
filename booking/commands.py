"""Commands that run inside an app context: accounts, demo data, the scheduler."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from booking.accounts.models import ROLES
from booking.accounts.operations import create_user
from booking.core.db import db
from booking.core.errors import ApiError
from booking.demo.seed import DEMO_PASSWORD, seed_demo
from booking.devices.broker import BrokerEndpoint, BrokerError, DynsecAdmin
from booking.jobs import run_scheduler
from booking.registry.models import Institution

users = click.Group("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--institution", "institution_code", help="Institution code, for institution-bound roles.")
@click.option("--lab-id", "lab_ids", multiple=True, type=int, help="A lab this lab manager manages (repeatable).")
@with_appcontext
def create_user_command(email, name, password, role, institution_code, lab_ids):
    """Create an account, e.g. the first province_admin."""
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    institution_id = None
    if institution_code:
        institution_id = db.session.scalar(select(Institution.id).where(Institution.code == institution_code))
        if institution_id is None:
            raise click.BadParameter(f"no institution with code {institution_code}", param_hint="--institution")
    try:
        user = create_user(email, name, password, role, institution_id, list(lab_ids))
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo: Liaoning universities, campuses, labs, instruments and accounts."""
    accounts = seed_demo()
    db.session.commit()
    click.echo(f"demo data ready; {len(accounts)} accounts, password {DEMO_PASSWORD}")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs (exactly one scheduler process per deployment)."""
    run_scheduler(current_app._get_current_object())


broker = click.Group("broker", help="Manage the MQTT broker's accounts (mosquitto dynamic security).")


@broker.command("setup")
@click.option("--worker-username", default="labshare-worker", show_default=True)
@click.option("--worker-password", required=True, envvar="LABSHARE_WORKER_MQTT_PASSWORD")
@with_appcontext
def broker_setup_command(worker_username, worker_password):
    """Create the worker's broker account and role (idempotent). Uses LABSHARE_MQTT_URL and the admin account."""
    config = current_app.config
    if config["BROKER_ADMIN"] != "dynsec":
        raise click.ClickException("set LABSHARE_BROKER_ADMIN=dynsec (and the admin account) to manage mosquitto")
    admin = DynsecAdmin(BrokerEndpoint.from_url(config["MQTT_URL"], config["MQTT_ADMIN_USERNAME"],
                                                config["MQTT_ADMIN_PASSWORD"]), config["MQTT_TOPIC_PREFIX"])
    try:
        admin.create_service_account(worker_username, worker_password, "worker")
    except BrokerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"broker account {worker_username} ready (reads {config['MQTT_TOPIC_PREFIX']}/devices/#)")


COMMANDS = (users, seed_demo_command, scheduler_command, broker)
