"""SMS replies for PR staff to read, the 080 list and replies imported from files, and the
provider's signed callbacks (delivery results, replies)."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import public, roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.errors import DomainError
from pcrm.extensions import csrf
from pcrm.inputs import page_number
from pcrm.replies import callbacks, optouts, service
from pcrm.replies.forms import FileForm, MarkReadForm
from pcrm.replies.imports import import_replies

bp = Blueprint("replies", __name__, url_prefix="/sms")
PAGE_SIZE = 50


@bp.get("/replies")
@roles_required(*PR_OFFICE)
def index():
    """Replies residents texted, newest first: who, what it answers, when, read or not."""
    shown = service.replies_page(user=current_user, page=page_number(), per_page=PAGE_SIZE)
    return render_template("replies/index.html", shown=shown, form=MarkReadForm())


@bp.post("/replies/<int:reply_id>/read")
@roles_required(*PR_OFFICE)
def mark_read(reply_id: int):
    """Mark one reply read."""
    if MarkReadForm().validate_on_submit():
        service.mark_read(reply_id)
        flash(_("읽음으로 표시했습니다."), "success")
    return redirect(url_for("replies.index", page=request.args.get("page", type=int)))


@bp.route("/replies/import", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def import_file():
    """Import replies from a file (number, text, received time)."""
    form, result = FileForm(), None
    if form.validate_on_submit():
        try:
            result = import_replies(content=form.file.data.read())
        except DomainError as error:
            form.file.errors.append(error.message)
    return render_template("replies/import.html", form=form, result=result)


@bp.route("/optouts/import", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def import_opt_outs():
    """Apply an 080 opt-out list from a file: every number in it loses SMS consent."""
    form, result = FileForm(), None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = optouts.import_opt_out_list(filename=upload.filename, content=upload.read())
        except DomainError as error:
            form.file.errors.append(error.message)
    return render_template("replies/optouts.html", form=form, result=result)


@bp.post("/callbacks/results")
@public
@csrf.exempt
def results_callback():
    """The provider pushes delivery results (signed with SMS_CALLBACK_SECRET)."""
    callbacks.check_signature(request.get_data(), request.headers.get(callbacks.SIGNATURE_HEADER))
    applied = callbacks.results_pushed(request.get_json(silent=True))
    return jsonify(applied=applied)


@bp.post("/callbacks/replies")
@public
@csrf.exempt
def replies_callback():
    """A provider's or bridge's push of residents' replies (signed with SMS_CALLBACK_SECRET)."""
    callbacks.check_signature(request.get_data(), request.headers.get(callbacks.SIGNATURE_HEADER))
    kept, opt_outs = callbacks.replies_pushed(request.get_json(silent=True))
    return jsonify(kept=kept, opt_outs=opt_outs)
