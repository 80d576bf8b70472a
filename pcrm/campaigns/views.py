"""Campaign pages: drafting and requesting, review, sending controls, progress and results."""

from flask import (
    Blueprint,
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

from pcrm.auth.access import ensure_department, roles_required
from pcrm.auth.models import Role
from pcrm.campaigns import (
    disclosure,
    editor,
    mailing,
    recurrence,
    reminders,
    results,
    service,
    undelivered,
)
from pcrm.campaigns.first_wave import first_wave_counts
from pcrm.campaigns.forms import (
    ActionForm,
    CampaignForm,
    CancelForm,
    CommentForm,
    ReminderForm,
    ReviewForm,
    TestSendForm,
    to_local,
    to_utc,
)
from pcrm.campaigns.invitation import survey_problem
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import progress
from pcrm.campaigns.sms_measure import editor_sample, sms_summary
from pcrm.campaigns.templating import TemplateProblem
from pcrm.errors import Conflict, Invalid
from pcrm.extensions import db
from pcrm.forms import submit
from pcrm.inputs import page_number, query_int
from pcrm.messaging.sms_rules import editor_rules
from pcrm.projects.models import Project

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
bp.add_app_template_filter(recurrence.describe, "recurrence")
PR = (Role.ADMIN, Role.PR)
PAGE_SIZE = 50


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure_department(campaign.department_id)
    return campaign


def _back(campaign: Campaign, message: str):
    flash(message, "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.get("/")
def index():
    """Campaigns the signed-in person may see, filtered by status."""
    status = request.args.get("status") or None
    status = CampaignStatus(status) if status in set(CampaignStatus) else None
    page = db.paginate(
        service.visible_campaigns(current_user, status), page=page_number(), per_page=PAGE_SIZE
    )
    return render_template(
        "campaigns/index.html",
        page=page,
        status=status,
        statuses=CampaignStatus,
        undelivered=undelivered.undelivered_counts([c.id for c in page.items]),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Draft a campaign for one of the person's projects."""
    form = CampaignForm(current_user)
    campaign = submit(
        form,
        lambda: service.create_campaign(
            actor=current_user,
            project=db.get_or_404(Project, form.project_id.data),
            **form.campaign_fields(),
        ),
    )
    if campaign is not None:
        return _back(campaign, _("초안을 저장했습니다."))
    return _form_page(form, None)


def _form_page(form: CampaignForm, campaign: Campaign | None):
    """The campaign form beside its preview; a refused submission answers 422."""
    return editor.form_page(form, campaign, current_user)


@bp.get("/sms-rules.json")
def sms_rules():
    """The SMS byte rule and stand-ins, for the editor's live counter."""
    return jsonify(editor_rules())


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int):
    """Change a draft, or one sent back for changes."""
    campaign = _campaign(campaign_id)
    form = CampaignForm(current_user, obj=campaign)
    if request.method == "GET":
        form.send_at.data = to_local(campaign.send_at)
        form.recurrence.data = campaign.recurrence or ""
        form.segment_id.data = campaign.segment_id or 0
        form.survey_id.data = campaign.survey_id or 0
        form.load(campaign)
    saved = submit(
        form,
        lambda: service.update_campaign(
            campaign,
            actor=current_user,
            project=db.get_or_404(Project, form.project_id.data),
            **form.campaign_fields(),
        ),
    )
    if saved is not None:
        return _back(campaign, _("저장했습니다."))
    return _form_page(form, campaign)


@bp.get("/<int:campaign_id>")
def show(campaign_id: int):
    """A campaign: its content, audience, reminders, review trail, controls and live progress."""
    return _show_page(_campaign(campaign_id), ReminderForm())


def _show_page(campaign: Campaign, reminder_form: ReminderForm):
    """The campaign page; with a refused reminder, 422 and the form's errors."""
    page = render_template(
        "campaigns/show.html",
        campaign=campaign,
        waves=reminders.wave_rows(campaign),
        reminder_form=reminder_form,
        progress=progress(campaign.id),
        by_channel=first_wave_counts(campaign) if campaign.launched_at is None else None,
        sms=sms_summary(campaign),
        mail=_sample_mail(campaign),
        sms_editor=editor_sample(campaign.project_id, kind=campaign.kind),
        survey_problem=survey_problem(campaign) if campaign.launched_at is None else None,
        review=ReviewForm(),
        comment_form=CommentForm(),
        cancel_form=CancelForm(),
        test_form=TestSendForm(address=current_user.email),
        action=ActionForm(),
    )
    return page, 422 if reminder_form.errors else 200


def _sample_mail(campaign: Campaign):
    """The e-mail as residents will read it, for a sample recipient (review sees this, not the
    template); None for a text-only campaign, or with the reason it cannot be rendered."""
    if campaign.delivery.value == "sms":
        return None
    try:
        return mailing.render_sample(campaign, name=mailing.SAMPLE_NAME)
    except TemplateProblem as problem:
        return str(problem)


@bp.post("/<int:campaign_id>/reminders")
def add_reminder(campaign_id: int):
    """Add a reminder wave to those who have not answered."""
    campaign = _campaign(campaign_id)
    form = ReminderForm()
    added = submit(
        form,
        lambda: reminders.add_reminder(campaign, actor=current_user, **form.reminder_fields()),
    )
    if added is None:
        return _show_page(campaign, form)
    wave, measured = added
    message = _("%(n)d차 알림을 추가했습니다.", n=wave.number)
    if measured is not None:
        message += " " + _(
            "지금 대상으로 SMS %(sms)s건, LMS %(lms)s건, 예상 비용 %(cost)s원입니다.",
            sms=f"{measured.sms:,}",
            lms=f"{measured.lms:,}",
            cost=f"{measured.cost:,}",
        )
    return _back(campaign, message)


@bp.post("/<int:campaign_id>/reminders/<int:number>/remove")
def remove_reminder(campaign_id: int, number: int):
    """Remove a reminder that has not gone yet."""
    act = lambda c, f: reminders.remove_reminder(c, actor=current_user, number=number)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("알림을 지웠습니다."))


@bp.get("/<int:campaign_id>/progress")
def progress_panel(campaign_id: int):
    """The progress panel alone; while sending it refreshes itself without JavaScript once
    the reader turns that on (?auto=1), as WCAG 2.2.1/2.2.2 want a refresh under their control."""
    campaign = _campaign(campaign_id)
    return render_template(
        "campaigns/progress.html",
        campaign=campaign,
        progress=progress(campaign.id),
        auto=request.args.get("auto") == "1",
    )


@bp.get("/<int:campaign_id>/preview")
def preview(campaign_id: int):
    """The e-mail as a chosen recipient of the audience would get it, or why it cannot be made."""
    campaign = _campaign(campaign_id)
    shown = disclosure.preview(campaign, user=current_user, subscriber_id=query_int("subscriber"))
    page = render_template("campaigns/preview.html", campaign=campaign, preview=shown)
    return page, 422 if shown.problem else 200


def _form_action(campaign_id: int, form_class, act, done: str):
    campaign = _campaign(campaign_id)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "error")  # lazy strings among them
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    try:
        act(campaign, form)
    except (Conflict, Invalid) as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return _back(campaign, done)


@bp.post("/<int:campaign_id>/request")
def request_review(campaign_id: int):
    """Send the draft to the PR office for review."""
    act = lambda c, f: service.request_review(c, actor=current_user)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("검토를 요청했습니다."))


@bp.post("/<int:campaign_id>/comment")
def comment(campaign_id: int):
    """Leave a comment in the review trail."""
    act = lambda c, f: service.comment(c, actor=current_user, note=f.note.data)  # noqa: E731
    return _form_action(campaign_id, CommentForm, act, _("의견을 남겼습니다."))


REVIEW = {
    "approve": lambda c, f: service.approve(
        c, actor=current_user, send_at=to_utc(f.send_at.data), note=f.note.data or ""
    ),
    "changes": lambda c, f: service.request_changes(c, actor=current_user, reason=f.note.data),
    "reject": lambda c, f: service.reject(c, actor=current_user, reason=f.note.data),
    "comment": lambda c, f: service.comment(c, actor=current_user, note=f.note.data),
}


@bp.post("/<int:campaign_id>/review")
@roles_required(*PR)
def review(campaign_id: int):
    """PR review: approve and schedule, ask for changes, reject, or comment."""
    act = lambda c, f: REVIEW[f.decision.data](c, f)  # noqa: E731
    return _form_action(campaign_id, ReviewForm, act, _("검토 결과를 기록했습니다."))


@bp.post("/<int:campaign_id>/pause")
@roles_required(*PR)
def pause(campaign_id: int):
    """Pause sending."""
    act = lambda c, f: service.pause(c, actor=current_user)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("발송을 멈췄습니다."))


@bp.post("/<int:campaign_id>/resume")
@roles_required(*PR)
def resume(campaign_id: int):
    """Resume sending."""
    act = lambda c, f: service.resume(c, actor=current_user)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("발송을 다시 시작했습니다."))


@bp.post("/<int:campaign_id>/cancel")
@roles_required(*PR)
def cancel(campaign_id: int):
    """Cancel the campaign; what is unsent stays unsent."""
    act = lambda c, f: service.cancel(c, actor=current_user, reason=f.reason.data)  # noqa: E731
    return _form_action(campaign_id, CancelForm, act, _("캠페인을 취소했습니다."))


@bp.post("/<int:campaign_id>/retry")
@roles_required(*PR)
def retry(campaign_id: int):
    """Send the soft-bounced and failed messages again."""
    act = lambda c, f: undelivered.retry_undelivered(c, actor=current_user)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("미전달 메시지를 다시 보냅니다."))


@bp.post("/<int:campaign_id>/confirm")
@roles_required(*PR)
def confirm(campaign_id: int):
    """Send a campaign held because its launch was late."""
    act = lambda c, f: service.confirm_launch(c, actor=current_user)  # noqa: E731
    return _form_action(campaign_id, ActionForm, act, _("지금 발송합니다."))


@bp.post("/<int:campaign_id>/test")
def test_send(campaign_id: int):
    """Send a test e-mail to a staff address."""
    act = lambda c, f: service.send_test(c, actor=current_user, address=f.address.data)  # noqa: E731
    return _form_action(campaign_id, TestSendForm, act, _("테스트 메일을 보냈습니다."))


@bp.get("/<int:campaign_id>/results")
def results_page(campaign_id: int):
    """Every recipient with status and, for failures, a reason; filter and search."""
    campaign = _campaign(campaign_id)
    status, q = request.args.get("status") or None, request.args.get("q") or None
    page, rows = disclosure.results_page(
        campaign, user=current_user, status=status, q=q, page=page_number(), per_page=PAGE_SIZE
    )
    return render_template(
        "campaigns/results.html",
        campaign=campaign,
        page=page,
        rows=rows,
        status=status,
        q=q,
        progress=progress(campaign.id),
        labels=results.STATUS_LABELS,
    )


@bp.get("/<int:campaign_id>/results.csv")
def results_csv(campaign_id: int):
    """The filtered results as CSV (formula-looking cells neutralised)."""
    campaign = _campaign(campaign_id)
    rows = service.export_results(
        campaign,
        status=request.args.get("status") or None,
        q=request.args.get("q") or None,
        user=current_user,
    )
    name = f"campaign-{campaign.id}-results.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(stream_with_context(rows), mimetype="text/csv; charset=utf-8", headers=headers)
