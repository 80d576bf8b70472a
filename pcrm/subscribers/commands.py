"""`pcrm subscribers import FILE` and `export FILE`: the staff pages' import and export."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pcrm.errors import DomainError
from pcrm.extensions import db
from pcrm.schema import ensure_migrated
from pcrm.subscribers import browse as finder
from pcrm.subscribers import export
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.columns import (
    check_mapping,
    command_line_targets,
    parse_mapping_option,
)
from pcrm.subscribers.imports.jobs import run_import
from pcrm.subscribers.imports.models import ImportStatus
from pcrm.subscribers.models import Channel, InterestField, Kind

subscribers_cli = AppGroup("subscribers", help="The subscriber registry.")


@subscribers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source", required=True, help='Consent evidence, e.g. "서면 신청서, 마장동, 2015-03".'
)
@click.option(
    "--mapping",
    "pairs",
    multiple=True,
    help=f"HEADER=target, target one of: {command_line_targets()}.",
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
        # Refusals in the option's words (HEADER=ignore), not the web page's.
        check_mapping(batch.headers, mapping, command_line=True)
        service.start_import(
            batch,
            mapping=mapping,
            source=source,
            grant_channels=not no_grant_channels,
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
    if batch.status is ImportStatus.FAILED:
        raise click.ClickException(batch.error)


def _fields(codes: tuple[str, ...]) -> tuple[str, ...]:
    known = set(db.session.scalars(select(InterestField.code)))
    unknown = sorted(set(codes) - known)
    if unknown:
        message = f"unknown field {', '.join(unknown)}: use one of {', '.join(sorted(known))}"
        raise click.BadParameter(message, param_hint="--field")
    return codes


@subscribers_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--search", default="", help="A name, e-mail or phone number, as on the page.")
@click.option("--status", type=click.Choice(sorted(finder.STATUSES)), help="Address status.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in Kind]))
@click.option("--field", "fields", multiple=True, help="Interest field code (any of them).")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    type=click.Choice([c.value for c in Channel]),
    help="Reachable on this channel (any of them).",
)
def export_file(path: Path, search: str, status: str | None, kinds, fields, channels):
    """Write the registry (what staff download) to PATH, CSV or XLSX by its suffix."""
    ensure_migrated()
    fmt = path.suffix.lower().removeprefix(".")
    if fmt not in export.FORMATS:
        raise click.BadParameter(
            f"{path.name}: the file name must end in .csv or .xlsx", param_hint="PATH"
        )
    criteria = Criteria(kinds=kinds, fields=_fields(fields), channels=channels)
    browse = finder.Browse(criteria=criteria, q=search.strip()[:100], status=status or "")
    result = export.export_registry(browse, fmt=fmt, user=None)
    partial = path.with_name(path.name + ".part")  # never a half-written file under PATH
    if isinstance(result.body, bytes):
        partial.write_bytes(result.body)
    else:
        with partial.open("w", encoding="utf-8", newline="") as out:
            out.writelines(result.body)
    partial.replace(path)
    click.echo(f"{result.count:,} subscribers written to {path} (recorded in the access log)")
