"""The ``labshare`` command: Flask's CLI around :func:`booking.create_app`, plus the process starters."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from booking.app import create_app
from booking.demo.server import DemoError, run_demo

cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True,
                 help="LabShare: share scientific instruments between universities.")


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--mqtt-port", default=1883, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the in-process MQTT broker (loopback only).")
@click.option("--data-dir", default=".labshare-demo", show_default=True, type=click.Path(path_type=Path))
@click.option("--devices", default=12, show_default=True, type=click.IntRange(0, 10_000),
              help="How many simulated device agents to run.")
@click.option("--no-simulator", is_flag=True, help="Run without simulated devices.")
def demo(host, port, mqtt_port, data_dir, devices, no_simulator):
    """Run the whole system on one machine: SQLite, demo data, web, MQTT broker, worker, simulated devices."""
    try:
        run_demo(host, port, data_dir, mqtt_port=mqtt_port, devices=devices, simulator=not no_simulator,
                 echo=click.echo)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("web", context_settings={"ignore_unknown_options": True})
@click.option("--bind", default=lambda: os.environ.get("LABSHARE_BIND", "0.0.0.0:8000"), show_default="0.0.0.0:8000")
@click.option("--workers", default=lambda: int(os.environ.get("LABSHARE_WEB_WORKERS", "4")), type=int)
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def web(bind, workers, gunicorn_args):
    """Serve the booking service with gunicorn (production)."""
    # gunicorn from this interpreter's environment, whether or not its bin/ is on PATH.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
                              "--access-logfile", "-", *gunicorn_args, "booking:create_app()"])


def main() -> None:
    cli.main(prog_name="labshare")
