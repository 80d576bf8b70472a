"""`pcrm`: the app's Flask CLI (db, routes, shell, ...) plus the project's own commands."""

import sys

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from pcrm.config import ConfigError
from pcrm.errors import SchemaNotMigrated


def _create_app():
    from pcrm import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """PCRM: the district office's survey and subscriber service."""


@cli.command("up")
@click.option("--demo", is_flag=True, help="Load demo data on first start.")
@click.option("--subscribers", "subscriber_count", default=3000, show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--verbose", is_flag=True, help="Log every job and scheduler tick, and each request.")
def up(demo, subscriber_count, port, host, verbose):
    """Run everything on this machine: web, worker, Redis, mail catcher, SMS outbox."""
    from pcrm.launcher import Launcher

    Launcher(host=host, port=port, demo=demo, subscribers=subscriber_count, verbose=verbose).run()


def main() -> None:
    """Run the CLI; a setup problem is one readable line and exit status 2, not a traceback."""
    try:
        cli.main(prog_name="pcrm")
    except ConfigError as error:
        _fail(f"Configuration error: {error}")
    except SchemaNotMigrated as error:
        _fail(f"Database error: {error}")
    except OperationalError as error:
        _fail(f"Cannot use the database: {error.orig or error}".splitlines()[0])


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)
