"""``labshare worker`` (registered through the ``flask.commands`` entry point group)."""
import click

from .runner import main


@click.command("worker")
def worker():
    """Run the MQTT ingestion worker (settings from LABSHARE_* variables; see README)."""
    main()
