"""The local outboxes, readable by PR staff: registered only in local mode."""

from flask import Blueprint, render_template

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.inputs import page_number
from pcrm.outbox import service

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
PAGE_SIZE = 50


@bp.get("/mail")
@roles_required(*PR_OFFICE)
def mail():
    """E-mail caught by the local SMTP catcher, newest first."""
    page = page_number()
    messages, total = service.latest_mail(PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template(
        "outbox/mail.html", messages=messages, total=total, size=PAGE_SIZE, page=page
    )


@bp.get("/mail/<key>")
@roles_required(*PR_OFFICE)
def mail_message(key: str):
    """One caught e-mail: headers, text part, and the HTML part in a sandboxed frame."""
    return render_template("outbox/mail_message.html", mail=service.caught_mail(key))


@bp.get("/sms")
@roles_required(*PR_OFFICE)
def sms():
    """SMS kept by the outbox provider, newest first."""
    page = page_number()
    messages, total = service.latest_sms(PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template(
        "outbox/sms.html", messages=messages, total=total, size=PAGE_SIZE, page=page
    )
