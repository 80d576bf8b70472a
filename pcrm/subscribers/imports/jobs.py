"""The import job: takes the batch id, runs once; a second run finds it done and stops."""

from flask import current_app
from flask_babel import gettext as _

from pcrm.db import utcnow
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers.imports.models import ImportBatch, ImportStatus
from pcrm.subscribers.imports.service import run_batch


def run_import(batch_id: int) -> None:
    """Import a queued (or interrupted) batch; a stop is recorded so the report can say so."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return
    batch.status = ImportStatus.RUNNING
    batch.started_at = batch.started_at or utcnow()
    db.session.commit()
    try:
        run_batch(batch)
    except Invalid as refusal:
        # The file itself is refused (a limit, a damaged sheet): a second run would refuse it
        # again, so the job ends here, with the reason for staff.
        _stopped(batch_id, refusal.message)
    except Exception:
        current_app.logger.exception("import %s stopped", batch_id)
        # What went wrong is in the log; staff read what it means for their file.
        reason = _(
            "예상하지 못한 오류로 가져오기가 멈췄습니다. 올린 파일은 남아 있으니 잠시 뒤 다시 "
            "시도하고, 계속되면 공보담당관에 알려 주세요."
        )
        _stopped(batch_id, reason)
        raise


def _stopped(batch_id: int, reason: str) -> None:
    db.session.rollback()
    batch = db.session.get(ImportBatch, batch_id)
    batch.status, batch.error = ImportStatus.FAILED, reason[:2000]
    batch.finished_at = utcnow()
    db.session.commit()
