"""`pcrm bounces ingest FILE... [--dry-run] [--json]`: returned mail saved as files."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import AppGroup

from pcrm.bounces.files import UnreadableFile, messages
from pcrm.bounces.ingest import Ingested, ingest_many
from pcrm.bounces.report import BounceKind
from pcrm.schema import ensure_migrated

BATCH = 200
bounces_cli = AppGroup("bounces", help="Bounces, complaints and other returned mail.")


@bounces_cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and match only; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message, one a line.")
def ingest_files(paths: tuple[Path, ...], dry_run: bool, as_json: bool):
    """Ingest .eml and mbox FILEs: each message is parsed, matched and applied once.

    With --json: {"file", "is_bounce", "kind", "recipient", "status", "message_token"} per
    message; kind is hard, soft, complaint or none; status the RFC 3463 code, or null; why a
    message was refused (too large, not mail, truncated) goes to stderr. The exit status is 1
    when a file could not be read (the others are still ingested).
    """
    ensure_migrated()
    failed = False
    for path in paths:
        try:
            for batch in _batches(messages(path)):
                for result in ingest_many(batch, source=f"file:{path.name}", dry_run=dry_run):
                    click.echo(_json(path, result) if as_json else _line(path, result, dry_run))
                    if as_json and result.report.refused:  # the JSON keys are fixed: say why here
                        click.echo(f"{path}: {result.report.refused}", err=True)
        except UnreadableFile as error:
            click.echo(str(error), err=True)
            failed = True
    if failed:
        sys.exit(1)


def _batches(raws: Iterator[bytes]) -> Iterator[list[bytes]]:
    """Messages in batches of BATCH: one transaction each, and a bounded amount in memory."""
    batch: list[bytes] = []
    for raw in raws:
        batch.append(raw)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _json(path: Path, result: Ingested) -> str:
    report = result.report
    first = report.failures[0] if report.failures else None
    token = report.message_token or next(iter(report.returned_tokens), None)
    fields = {
        "file": str(path),
        "is_bounce": report.kind in (BounceKind.HARD, BounceKind.SOFT),
        "kind": report.kind.value,
        "recipient": first.recipient if first else None,
        "status": first.status if first else None,
        "message_token": token,
    }
    return json.dumps(fields, ensure_ascii=False)


def _line(path: Path, result: Ingested, dry_run: bool) -> str:
    report = result.report
    first = report.failures[0] if report.failures else None
    said = " ".join(
        filter(None, (report.kind.value, first and first.status, first and first.recipient))
    )
    if dry_run:
        done = f"dry run, matches {len(result.message_ids)} message(s)"
    elif result.duplicate:
        done = "already ingested, nothing changed"
    else:
        done = str(result.state.value if result.state else "")
    return f"{path}: {said} — {report.why} [{done}]"
