"""Residents' pages: 의견 보내기, and the status page their receipt links to. Public, usable on
a phone without JavaScript; an unknown link is a plain 404."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from pcrm.auth.access import public
from pcrm.extensions import limiter
from pcrm.forms import submit
from pcrm.inputs import page_number
from pcrm.voice import casebook, handling, intake, privacy, queries
from pcrm.voice.blueprint import bp
from pcrm.voice.forms import ActionForm, CommentForm, VoiceForm
from pcrm.voice.models import STEPS, VoiceChannel


def _form_limit() -> str:
    return current_app.config["VOICE_FORM_RATE_LIMIT"]


def _intake(form: VoiceForm) -> intake.Intake:
    return intake.Intake(
        body=form.body.data,
        channel=VoiceChannel.WEB,
        field_code=form.field_code.data or None,
        dong_id=form.dong_id.data,
        email=form.email.data or None,
        phone=form.phone.data or None,
    )


@bp.route("/voice", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def send():
    """의견 보내기: an opinion, a question or a complaint, to the district office."""
    form = VoiceForm()
    item = submit(form, lambda: intake.receive(_intake(form)))
    if item is not None:
        flash(_("접수되었습니다. 접수번호는 %(n)s입니다.", n=item.number), "success")
        return redirect(url_for("voice.status", token=item.token))
    return render_template("voice/send.html", form=form), 422 if form.errors else 200


@bp.get("/v/<token>")
@public
def status(token: str):
    """Where the item stands, its answer, and the comments between resident and officer."""
    item = queries.item_for_token(token)
    return render_template(
        "voice/status.html", item=item, steps=STEPS, form=CommentForm(), action=ActionForm(),
        comments=queries.public_comments(item),
    )  # fmt: skip


@bp.post("/v/<token>/comment")
@public
@limiter.limit(_form_limit)
def resident_comment(token: str):
    """The resident adds a comment for the officer."""
    item = queries.item_for_token(token)
    form = CommentForm()
    added = submit(
        form, lambda: handling.add_comment(item, user=None, body=form.body.data, staff_only=False)
    )
    if added is None:
        flash(_("덧글을 적어 주세요 (2,000자까지)."), "error")
    return redirect(url_for("voice.status", token=token) + "#comments")


@bp.get("/cases")
@public
def cases():
    """The case book: residents' messages and how the district answered them."""
    shown = casebook.published(page_number())
    return render_template("voice/cases.html", shown=shown)


@bp.post("/v/<token>/withdraw")
@public
@limiter.limit(_form_limit)
def withdraw(token: str):
    """The resident withdraws the item; their contact details are erased at once."""
    item = queries.item_for_token(token)
    if submit(ActionForm(), lambda: privacy.withdraw(item) or True):
        flash(_("의견을 철회했습니다. 남기신 연락처는 지웠습니다."), "success")
    else:
        flash(_("이미 처리를 마친 의견은 철회할 수 없습니다."), "error")
    return redirect(url_for("voice.status", token=token))
