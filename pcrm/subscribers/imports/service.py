"""Import use cases: upload, map and preview, run (as a job), and the per-row report."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, text, update

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid, NotFound
from pcrm.extensions import db, queues
from pcrm.queue import DEFAULT
from pcrm.spreadsheets import csv_stream
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.export import Export
from pcrm.subscribers.imports.columns import check_mapping, guess_mapping
from pcrm.subscribers.imports.engine import Merger
from pcrm.subscribers.imports.models import ImportBatch, ImportRow, ImportStatus, RowOutcome
from pcrm.subscribers.imports.reader import Limits, Row, Table, read_head, read_table
from pcrm.subscribers.imports.rows import Checked, Lookups, check_row
from pcrm.subscribers.models import AccessAction

CHUNK = 5000
PREVIEW_ROWS = 20
JOB_TIMEOUT = 3600
OUTCOME_LABELS = {
    RowOutcome.CREATED: _l("새로 등록"),
    RowOutcome.UPDATED: _l("기존 구독자에 합침"),
    RowOutcome.SKIPPED: _l("건너뜀"),
}


def max_bytes() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"]


def limits() -> Limits:
    config = current_app.config
    return Limits(rows=config["IMPORT_MAX_ROWS"], columns=config["IMPORT_MAX_COLUMNS"])


def upload_import(*, filename: str, content: bytes, user: User | None) -> ImportBatch:
    """Read the head of the file (refusing what cannot be read) and keep it for mapping; the
    rows are counted and checked by the import job, so a huge sheet never holds a request."""
    if len(content) > max_bytes():
        limit = max_bytes() // (1024 * 1024)
        raise Invalid(_("파일이 너무 큽니다: %(mb)dMB까지 올릴 수 있습니다.", mb=limit))
    table = read_head(content, limits(), PREVIEW_ROWS)
    batch = ImportBatch(
        filename=(filename or "upload")[:255],
        content=content,
        headers=table.headers,
        mapping=guess_mapping(table.headers),
        created_by_id=user.id if user else None,
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def get_batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(_("없는 가져오기입니다."))
    return batch


def recent_batches(limit: int = 20) -> list[ImportBatch]:
    return list(
        db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
    )


def preview(batch: ImportBatch, mapping: dict[str, str]) -> list[Checked]:
    """The first rows checked with this mapping, problems and all (nothing is written)."""
    rows = read_head(batch.content, limits(), PREVIEW_ROWS).rows
    lookups = Lookups.load()
    return [check_row(row, mapping, lookups) for row in rows]


def start_import(
    batch: ImportBatch,
    *,
    mapping: dict[str, str],
    source: str,
    grant_channels: bool,
    enqueue: bool = True,
) -> ImportBatch:
    """Fix the mapping and the consent source, then run the import as a job (the command
    line runs it in-process instead: enqueue=False)."""
    if batch.status is not ImportStatus.UPLOADED:
        raise Conflict(_("이미 시작한 가져오기입니다."))
    if not source.strip():
        raise Invalid(_("동의 출처를 적어 주세요 (예: 마장동 주민센터 서면 신청서, 2015-03)."))
    batch.mapping = check_mapping(batch.headers, mapping)
    batch.source, batch.grant_channels = source.strip()[:300], grant_channels
    batch.status = ImportStatus.QUEUED
    db.session.commit()
    if enqueue:
        _enqueue(batch)
    return batch


def resume_import(batch: ImportBatch) -> ImportBatch:
    """Run a stopped import again: rows already done are kept, the rest are imported."""
    if batch.status is not ImportStatus.FAILED:
        raise Conflict(_("중단된 가져오기만 다시 시작할 수 있습니다."))
    batch.status, batch.error = ImportStatus.QUEUED, ""
    db.session.commit()
    _enqueue(batch)
    return batch


def _enqueue(batch: ImportBatch) -> None:
    # By its path: the job module imports this one to run the batch.
    queues.enqueue(
        "pcrm.subscribers.imports.jobs.run_import", batch.id, queue=DEFAULT, timeout=JOB_TIMEOUT
    )


def _done_rows(batch: ImportBatch) -> set[int]:
    query = select(ImportRow.row_number).where(ImportRow.batch_id == batch.id)
    return set(db.session.scalars(query))


def _count(batch: ImportBatch, outcome: RowOutcome) -> int:
    query = select(func.count()).select_from(ImportRow)
    return db.session.scalar(
        query.where(ImportRow.batch_id == batch.id, ImportRow.outcome == outcome)
    )


SKIPPED_SHOWN = 200


def skipped_rows(
    batch: ImportBatch, *, user: User | None, limit: int = SKIPPED_SHOWN
) -> list[ImportRow]:
    """The first skipped rows with their reasons, for the result page (all are in the report).
    A reason may quote what the file held (an address that is not one): logged as a view."""
    query = (
        select(ImportRow)
        .where(ImportRow.batch_id == batch.id, ImportRow.outcome == RowOutcome.SKIPPED)
        .order_by(ImportRow.row_number)
        .limit(limit)
    )
    rows = list(db.session.scalars(query))
    if rows:
        what = _("가져오기 #%(id)s 건너뛴 행", id=batch.id)
        record_access(user=user, action=AccessAction.VIEW, what=what, record_count=len(rows))
        db.session.commit()
    return rows


def _relaxed_commit() -> None:
    """PostgreSQL: do not wait for the WAL flush at each chunk's commit. A crash can lose the
    last chunks, but their ImportRow rows go with them, so a resumed import redoes them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))


def _checked_chunks(
    rows: Iterator[Row], mapping: dict[str, str], lookups: Lookups
) -> Iterator[tuple[list[Row], list[Checked]]]:
    """The rows in chunks, each with its checks. The next chunk is checked in a helper thread
    while the caller writes this one: checking is Python work and writing mostly waits for
    PostgreSQL (foreign keys, indexes), so the two overlap."""
    app = current_app._get_current_object()

    def check(chunk: list[Row]) -> list[Checked]:
        with app.app_context():
            return [check_row(row, mapping, lookups) for row in chunk]

    with ThreadPoolExecutor(1, thread_name_prefix="pcrm-import-check") as checker:
        chunk = list(islice(rows, CHUNK))
        checking = checker.submit(check, chunk)
        while chunk:
            checked, current = checking.result(), chunk
            chunk = list(islice(rows, CHUNK))
            checking = checker.submit(check, chunk)
            yield current, checked


def _read_whole_file(batch: ImportBatch) -> Table:
    """The file, read once by the job; the first run logs the import with its row count."""
    table = read_table(batch.content, limits())
    if not batch.total_rows:
        batch.total_rows = count = len(table.rows)
        what = _("가져오기 #%(id)s: %(file)s", id=batch.id, file=batch.filename)
        user = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
        record_access(user=user, action=AccessAction.IMPORT, what=what, record_count=count)
        db.session.commit()
    return table


def run_batch(batch: ImportBatch) -> None:
    """Read the whole file (once, here: Invalid past a limit, before anything is written), then
    import every row not yet accounted for, a chunk per transaction, updating progress."""
    table = _read_whole_file(batch)
    done = _done_rows(batch)
    pending: Iterator[Row] = (row for row in table.rows if row.number not in done)
    lookups, merger = Lookups.load(), Merger(batch)
    for chunk, checked in _checked_chunks(pending, batch.mapping, lookups):
        _relaxed_commit()
        merger.write_chunk(checked)
        batch.processed_rows = len(done) + len(chunk)
        done.update(row.number for row in chunk)
        db.session.commit()
    batch.created_count = _count(batch, RowOutcome.CREATED)
    batch.updated_count = _count(batch, RowOutcome.UPDATED)
    batch.skipped_count = _count(batch, RowOutcome.SKIPPED)
    batch.status, batch.finished_at = ImportStatus.DONE, utcnow()
    db.session.commit()
    _refresh_statistics()


def _refresh_statistics() -> None:
    """PostgreSQL: ANALYZE the tables an import grew, as its manual advises after a bulk
    load, so browsing and segment counts are planned for the registry as it now is rather than
    waiting for autovacuum (if it runs at all)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE subscriber, subscriber_interest, consent_event"))
        db.session.commit()


@dataclass(frozen=True)
class Summary:
    total: int
    created: int
    updated: int
    skipped: int
    status: str

    def describe(self) -> str:
        return (
            f"{self.total:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.skipped:,} skipped ({self.status})"
        )


def summary(batch: ImportBatch) -> Summary:
    return Summary(
        batch.total_rows,
        batch.created_count,
        batch.updated_count,
        batch.skipped_count,
        batch.status,
    )


def _report_rows(batch: ImportBatch, table) -> Iterator[list]:
    query = select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.row_number)
    results = {r.row_number: r for r in db.session.scalars(query)}
    if table is None:  # the file itself is past its keep: the outcomes remain
        for result in results.values():
            label = str(OUTCOME_LABELS[result.outcome])
            yield [result.row_number, label, result.reason, result.subscriber_id or ""]
        return
    not_done = _("처리되지 않음 (가져오기가 끝나지 않았거나 중단됨)")
    for row in table.rows:
        result = results.get(row.number)
        if result is None:
            yield [row.number, _("처리 안 됨"), not_done, "", *row.cells]
        else:
            label = str(OUTCOME_LABELS[result.outcome])
            yield [row.number, label, result.reason, result.subscriber_id or "", *row.cells]


def _report_table(batch: ImportBatch) -> Table | None:
    """The file's rows to quote in the report; None once the file is gone, or if the job
    refused it (its error says why)."""
    if batch.content is None:
        return None
    try:
        return read_table(batch.content, limits())
    except Invalid:
        return None


def import_report(batch: ImportBatch, *, user: User | None) -> Export:
    """Every row of the file with what became of it, as CSV; an export of personal data."""
    table = _report_table(batch)
    header = [_("행"), _("결과"), _("사유"), _("구독자 번호"), *(table.headers if table else [])]
    what = _("가져오기 #%(id)s 결과 보고서", id=batch.id)
    record_access(user=user, action=AccessAction.EXPORT, what=what, record_count=batch.total_rows)
    db.session.commit()
    body = csv_stream(header, _report_rows(batch, table))
    return Export(
        f"import-{batch.id}-report.csv", "text/csv; charset=utf-8", body, batch.total_rows
    )


# Uploaded files hold personal data; the per-row outcomes outlive them.
FILE_KEEP = timedelta(days=30)


def purge_old_import_files() -> int:
    """Drop the content of finished imports older than FILE_KEEP; returns how many."""
    cutoff = utcnow() - FILE_KEEP
    finished = (ImportStatus.DONE, ImportStatus.FAILED)
    query = (
        update(ImportBatch)
        .where(ImportBatch.finished_at < cutoff, ImportBatch.status.in_(finished))
        .where(ImportBatch.content.is_not(None))
        .values(content=None)
    )
    purged = db.session.execute(query).rowcount
    # Uploads never started (a mapping abandoned, a refused command line) go after a day.
    abandoned = delete(ImportBatch).where(
        ImportBatch.status == ImportStatus.UPLOADED,
        ImportBatch.created_at < utcnow() - timedelta(days=1),
    )
    purged += db.session.execute(abandoned).rowcount
    db.session.commit()
    return purged
