"""The project's own commands on the Flask CLI."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from pcrm.auth import service as auth_service
from pcrm.auth.models import Department, Role
from pcrm.errors import DomainError
from pcrm.extensions import db
from pcrm.queue import QUEUE_NAMES
from pcrm.schema import ensure_migrated


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_name", help="Korean name of the department.")
@click.password_option()
@with_appcontext
def create_user(email, name, role, department_name, password):
    """Create a staff account."""
    ensure_migrated()
    department = None
    if department_name:
        department = db.session.scalar(
            db.select(Department).where(Department.name_ko == department_name)
        )
        if department is None:
            raise click.UsageError(f"No department named {department_name!r}")
    try:
        user = auth_service.create_user(
            email=email, name=name, password=password, role=Role(role), department=department
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role} account {user.email}")


@click.command("worker")
@click.option("--queues", "queue_names", default=",".join(QUEUE_NAMES), show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--no-scheduler", is_flag=True, help="Do not run scheduled and periodic jobs.")
@click.option("--name", default=None, help="Worker name (default: host and pid).")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="WARNING: only what needs attention (pcrm up's default).",
)
@with_appcontext
def worker(queue_names, burst, no_scheduler, name, log_level):
    """Run an RQ worker with the app context."""
    from pcrm.worker import run_worker

    ensure_migrated()
    names = tuple(q.strip() for q in queue_names.split(",") if q.strip())
    unknown = set(names) - set(QUEUE_NAMES)
    if unknown:
        raise click.UsageError(f"Unknown queues: {', '.join(sorted(unknown))}")
    app = current_app._get_current_object()
    run_worker(
        app,
        names,
        with_scheduler=not no_scheduler,
        burst=burst,
        name=name,
        log_level=log_level.upper(),
    )


@click.command("demo-data")
@click.option("--subscribers", "subscriber_count", default=3000, show_default=True)
@click.option("--seed", default=2015, show_default=True, help="Random seed, for repeatable data.")
@with_appcontext
def demo_data(subscriber_count, seed):
    """Load realistic demo data from the district's reference figures (once)."""
    from pcrm.demo import load_demo

    ensure_migrated()
    summary = load_demo(subscribers=subscriber_count, seed=seed)
    click.echo(summary.describe())


def register(app: Flask) -> None:
    from pcrm.messaging.commands import sms_cli
    from pcrm.subscribers.commands import subscribers_cli

    for command in (create_user, worker, demo_data, subscribers_cli, sms_cli):
        app.cli.add_command(command)
