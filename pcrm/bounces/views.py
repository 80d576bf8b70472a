"""The clean-up worklist for PR staff: bounced and suppressed addresses and phones, the
evidence, corrections and bulk actions; department staff have no access (403)."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.bounces import correction, export, review, worklist
from pcrm.bounces.forms import BulkForm, CorrectionForm, FilterForm
from pcrm.errors import NotFound
from pcrm.forms import submit
from pcrm.inputs import page_number
from pcrm.urls import safe_next

bp = Blueprint("bounces", __name__)


def _back() -> str:
    """Back to the list as it was filtered (a path on this site only)."""
    return safe_next(request.form.get("back")) or url_for("bounces.index")


def _args() -> dict:
    return {k: request.args.getlist(k) for k in request.args if k != "page"}


@bp.get("/bounces/")
@roles_required(*PR_OFFICE)
def index():
    """The worklist, filtered and paged."""
    form = FilterForm(request.args)
    filters, page = form.filters(), page_number()
    rows = worklist.rows(filters, page=page)
    return render_template(
        "bounces/index.html",
        form=form,
        rows=rows,
        total=worklist.total(filters),
        page=page,
        size=worklist.PAGE_SIZE,
        args=_args(),
        bulk=BulkForm(),
        correction=CorrectionForm(),
    )


def _bulk(form: BulkForm) -> int:
    ids, reason = form.ids.data or [], form.reason.data or ""
    if form.action.data == "restore":
        return review.restore(ids=ids, reason=reason, user=current_user)
    if form.action.data == "suppress":
        return review.suppress_by_staff(ids=ids, reason=reason, user=current_user)
    return review.mark_checked(ids=ids, user=current_user)


@bp.post("/bounces/bulk")
@roles_required(*PR_OFFICE)
def bulk():
    """Suppress, restore or mark checked the ticked rows (a second submit changes nothing)."""
    form = BulkForm()
    changed = submit(form, lambda: _bulk(form))
    if changed is None:
        for errors in (form.errors or {"": [_("요청을 처리할 수 없습니다.")]}).values():
            for error in errors:
                flash(str(error), "error")
    else:
        flash(_("%(n)s건을 처리했습니다.", n=changed), "success")
    return redirect(_back())


@bp.post("/bounces/<int:review_id>/correct")
@roles_required(*PR_OFFICE)
def correct(review_id: int):
    """Send the corrected e-mail a confirmation; the old address stays until it is confirmed."""
    form = CorrectionForm()
    done = submit(form, lambda: correction.correct_email(
        review_id=review_id, email=form.email.data, user=current_user
    ))  # fmt: skip
    if done is None:
        for error in form.email.errors or form.form_errors or [_("요청을 처리할 수 없습니다.")]:
            flash(str(error), "error")
    else:
        flash(_("새 주소로 확인 메일을 보냈습니다. 확인되면 새 주소를 씁니다."), "success")
    return redirect(_back())


@bp.get("/bounces/export.<fmt>")
@roles_required(*PR_OFFICE)
def export_list(fmt: str):
    """The filtered worklist as CSV or XLSX, to check against the paper forms (logged)."""
    if fmt not in export.FORMATS:
        return redirect(url_for("bounces.index"))
    result = export.export_worklist(FilterForm(request.args).filters(), fmt=fmt, user=current_user)
    headers = {"Content-Disposition": f"attachment; filename={result.filename}"}
    return Response(result.body, mimetype=result.mimetype, headers=headers)


@bp.get("/bounces/mail/<int:inbound_id>.eml")
@roles_required(*PR_OFFICE)
def raw_mail(inbound_id: int):
    """The returned message as received, while its retention period lasts."""
    raw = export.raw_evidence(inbound_id, user=current_user)
    if raw is None:
        raise NotFound(_("원본 메일은 보관 기간이 지나 삭제되었습니다."))
    headers = {"Content-Disposition": f"attachment; filename=bounce-{inbound_id}.eml"}
    return Response(raw, mimetype="message/rfc822", headers=headers)
