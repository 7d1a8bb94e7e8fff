"""``labshare simulate`` (registered through the ``flask.commands`` entry point group)."""
import click

from .simulator import main


@click.command("simulate", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def simulate(args):
    """Simulate a fleet of device agents (see `labshare simulate --help`)."""
    main(list(args))
