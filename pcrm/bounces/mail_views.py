"""Returned mail left for a person (PR staff): replies, auto-replies, bounces naming nothing of
ours; read each one and mark it reviewed."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.bounces import left_mail
from pcrm.bounces.mail_forms import ReviewForm
from pcrm.forms import submit
from pcrm.inputs import page_number, query_int

bp = Blueprint("returned_mail", __name__, url_prefix="/returned-mail")
PAGE_SIZE = 50


@bp.get("/")
@roles_required(*PR_OFFICE)
def index():
    """Mail waiting for a person, newest first (or what was already reviewed)."""
    page = page_number()
    reviewed = query_int("reviewed") == 1
    rows, total = left_mail.left_for_a_person(
        reviewed=reviewed, size=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "returned_mail/index.html",
        rows=rows,
        total=total,
        reviewed=reviewed,
        page=page,
        size=PAGE_SIZE,
        decoded=left_mail.decoded,
    )


@bp.route("/<int:inbound_id>", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def show(inbound_id: int):
    """One message: who sent it, why it was left, its text; mark it reviewed."""
    inbound = left_mail.left_mail(inbound_id)
    form = ReviewForm()
    note = form.note.data or ""
    if submit(
        form, lambda: left_mail.mark_reviewed(inbound_id=inbound_id, user=current_user, note=note)
    ):
        flash(_("확인함으로 표시했습니다."))
        return redirect(url_for("returned_mail.index"))
    text = left_mail.readable_text(inbound)
    return render_template(
        "returned_mail/show.html", inbound=inbound, text=text, form=form, decoded=left_mail.decoded
    )
