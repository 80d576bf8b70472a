"""The import job: takes the batch id, runs once; a second run finds it done and stops."""

from flask import current_app

from pcrm.db import utcnow
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
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("import %s stopped", batch_id)
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.error = ImportStatus.FAILED, str(error)[:2000]
        batch.finished_at = utcnow()
        db.session.commit()
        raise
