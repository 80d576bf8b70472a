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
from pcrm.subscribers import choices
from pcrm.subscribers.addresses import national_phone
from pcrm.subscribers.blueprint import bp
from pcrm.subscribers.forms import StartImportForm, UploadForm, mapping_from
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.columns import IGNORE, IGNORE_LABEL, TARGETS
from pcrm.subscribers.imports.engine import COLUMN_TARGET
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
        preview_rows=service.PREVIEW_ROWS, read_as_words=_read_as_words(),
    )  # fmt: skip


def _read_as_words():
    """What the preview shows of a row: each value as staff wrote it, under its column's name,
    never the stored key (dong_id=12) or code (fields=culture)."""
    names = {
        "dong_id": dict(choices.dong_choices()),
        "business_type_code": dict(choices.business_type_choices()),
        "gender": dict(choices.GENDERS),
        "kind": dict(choices.KINDS),
    }
    fields = dict(choices.field_choices())

    def words(row) -> list[tuple[str, str]]:
        shown = []
        for key, value in row.values.items():
            target = COLUMN_TARGET.get(key, key.removeprefix("invalid_"))
            if value is None or target not in TARGETS:
                continue
            if key == "phone":
                value = national_phone(value)
            if key.startswith("invalid_"):
                value = _("%(value)s (형식 오류)", value=value)
            shown.append((str(TARGETS[target][0]), str(names.get(key, {}).get(value, value))))
        if row.fields:
            chosen = sorted(str(fields.get(code, code)) for code in row.fields)
            shown.append((str(TARGETS["fields"][0]), ", ".join(chosen)))
        consents = [(row.email_opt_in, _("이메일")), (row.sms_opt_in, _("문자"))]
        if any(given is not None for given, _channel in consents):
            agreed = [str(channel) for given, channel in consents if given]
            shown.append((_("수신 동의"), ", ".join(agreed) or _("없음")))
        return shown

    return words


@bp.route("/subscribers/imports/<int:batch_id>", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def import_batch(batch_id: int):
    """Map the columns and preview (before), or watch the progress (after)."""
    batch = service.get_batch(batch_id)
    if batch.status is not ImportStatus.UPLOADED:
        skipped = service.skipped_rows(batch, user=current_user) if batch.finished else []
        return render_template(
            "subscribers/import_progress.html",
            batch=batch, skipped=skipped, shown_at_most=service.SKIPPED_SHOWN,
        )  # fmt: skip
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
