"""`pcrm subscribers import FILE`: the web import from the command line."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pcrm.errors import DomainError
from pcrm.schema import ensure_migrated
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.columns import parse_mapping_option
from pcrm.subscribers.imports.jobs import run_import

subscribers_cli = AppGroup("subscribers", help="The subscriber registry.")


@subscribers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source", required=True, help='Consent evidence, e.g. "서면 신청서, 마장동, 2015-03".'
)
@click.option(
    "--mapping", "pairs", multiple=True, help="HEADER=target (name, email, phone, ..., ignore)."
)
@click.option("--no-grant-channels", is_flag=True, help="Do not record channel consent by default.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the per-row report (CSV) here.",
)
def import_file(path: Path, source: str, pairs: tuple[str, ...], no_grant_channels: bool, report):
    """Import subscribers from a CSV or XLSX file and print the summary."""
    ensure_migrated()
    try:
        if path.stat().st_size > service.max_bytes():
            raise click.ClickException(f"{path} is larger than {service.max_bytes():,} bytes")
        batch = service.upload_import(filename=path.name, content=path.read_bytes(), user=None)
        mapping = parse_mapping_option(list(pairs), batch.headers)
        service.start_import(
            batch,
            mapping=mapping,
            source=source,
            grant_channels=not no_grant_channels,
            user=None,
            enqueue=False,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    run_import(batch.id)
    click.echo(f"Import #{batch.id} of {path.name}: {service.summary(batch).describe()}")
    if report:
        result = service.import_report(batch, user=None)
        report.write_text("".join(result.body), encoding="utf-8")
        click.echo(f"Report: {report}")
