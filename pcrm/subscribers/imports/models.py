"""An import batch (the uploaded file and its progress) and one result row per file row."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from pcrm import labels
from pcrm.db import str_enum, utcnow
from pcrm.extensions import db


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # read and waiting for the column mapping
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


IMPORT_STATUS_LABELS = labels.register({
    ImportStatus.UPLOADED: _l("열 맞추기 전"),
    ImportStatus.QUEUED: _l("대기"),
    ImportStatus.RUNNING: _l("가져오는 중"),
    ImportStatus.DONE: _l("완료"),
    ImportStatus.FAILED: _l("실패"),
})  # fmt: skip


class RowOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"


class ImportBatch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    # The file itself, so any worker can run the import and the report can quote every row.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # header position -> target
    source: Mapped[str] = mapped_column(String(300), default="")  # the consent evidence
    grant_channels: Mapped[bool] = mapped_column(default=True)
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus), default=ImportStatus.UPLOADED
    )
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportRow(db.Model):
    """What became of one row of the file: created, updated or skipped, and why."""

    __table_args__ = (UniqueConstraint("batch_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    row_number: Mapped[int]  # as a spreadsheet shows it: the header is row 1
    outcome: Mapped[RowOutcome] = mapped_column(str_enum(RowOutcome))
    reason: Mapped[str] = mapped_column(Text, default="")
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"))
