"""Importing a file: upload, map columns and preview, progress, and the per-row report."""

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.errors import DomainError
from pcrm.labels import label
from pcrm.subscribers.blueprint import bp
from pcrm.subscribers.forms import StartImportForm, UploadForm, mapping_from
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.columns import IGNORE, IGNORE_LABEL, TARGETS
from pcrm.subscribers.imports.models import ImportStatus


@bp.route("/subscribers/imports/", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def imports():
    """Upload a CSV or XLSX file; recent imports and their results."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = service.upload_import(
                filename=upload.filename, content=upload.read(), user=current_user
            )
        except DomainError as error:
            form.file.errors.append(error.message)
        else:
            return redirect(url_for("subscribers.import_batch", batch_id=batch.id))
    return render_template("subscribers/imports.html", form=form, batches=service.recent_batches())


def _mapping_page(batch, form, mapping, checked=None):
    targets = [(IGNORE, str(IGNORE_LABEL))] + [(k, str(v[0])) for k, v in TARGETS.items()]
    return render_template(
        "subscribers/import_mapping.html",
        batch=batch, form=form, mapping=mapping, targets=targets, checked=checked,
        preview_rows=service.PREVIEW_ROWS,
    )  # fmt: skip


@bp.route("/subscribers/imports/<int:batch_id>", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def import_batch(batch_id: int):
    """Map the columns and preview (before), or watch the progress (after)."""
    batch = service.get_batch(batch_id)
    if batch.status is not ImportStatus.UPLOADED:
        return render_template("subscribers/import_progress.html", batch=batch)
    form = StartImportForm()
    if request.method == "GET":
        return _mapping_page(batch, form, batch.mapping)
    mapping = mapping_from(request.form, batch.headers)
    if request.form.get("action") == "start" and form.validate_on_submit():
        try:
            service.start_import(
                batch, mapping=mapping, source=form.source.data,
                grant_channels=form.grant_channels.data,
            )  # fmt: skip
        except DomainError as error:
            flash(error.message, "error")
        else:
            return redirect(url_for("subscribers.import_batch", batch_id=batch.id))
    return _mapping_page(batch, form, mapping, service.preview(batch, mapping))


@bp.get("/subscribers/imports/<int:batch_id>/status")
@roles_required(*PR_OFFICE)
def import_status(batch_id: int):
    """The progress as JSON, for the page's script."""
    batch = service.get_batch(batch_id)
    return jsonify(
        status=batch.status, status_label=label(batch.status),
        processed=batch.processed_rows, total=batch.total_rows,
        percent=batch.percent, finished=batch.finished,
    )  # fmt: skip


@bp.post("/subscribers/imports/<int:batch_id>/resume")
@roles_required(*PR_OFFICE)
def import_resume(batch_id: int):
    """Run a stopped import again from where it stopped."""
    service.resume_import(service.get_batch(batch_id))
    flash(_("가져오기를 다시 시작했습니다."), "success")
    return redirect(url_for("subscribers.import_batch", batch_id=batch_id))


@bp.get("/subscribers/imports/<int:batch_id>/report.csv")
@roles_required(*PR_OFFICE)
def import_report(batch_id: int):
    """Every row of the file and what became of it (written to the access log)."""
    result = service.import_report(service.get_batch(batch_id), user=current_user)
    headers = {"Content-Disposition": f"attachment; filename={result.filename}"}
    return Response(stream_with_context(result.body), mimetype=result.mimetype, headers=headers)
