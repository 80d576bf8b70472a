"""The campaign editor page: texts to start from, the placeholders with their meaning, and the
e-mail as the sample recipient will read it, beside the text (the review's rendering)."""

from flask import render_template, request, url_for

from pcrm.auth.models import User
from pcrm.campaigns import mailing
from pcrm.campaigns.forms import CampaignForm
from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.campaigns.sms_measure import editor_sample
from pcrm.campaigns.starters import PLACEHOLDER_MEANINGS, STARTERS, starter
from pcrm.campaigns.templating import SUBJECT_PLACEHOLDERS
from pcrm.errors import DomainError
from pcrm.projects.service import project_for


def apply_starter(form: CampaignForm, key: str | None) -> None:
    """Fill a new form's kind and texts from the chosen starter (nothing else is touched)."""
    chosen = starter(key)
    if chosen is not None:
        form.kind.data = chosen.kind.value
        form.subject.data, form.body.data = chosen.subject, chosen.body
        form.sms_body.data = chosen.sms_body


def chosen_project_id(form: CampaignForm) -> int | None:
    """The form's project if the person may choose it, else the first they may."""
    choices = [choice.value for choice in form.project_id.choices]
    chosen = form.project_id.data if form.project_id.data in choices else None
    return chosen or (choices[0] if choices else None)


def sample(form: CampaignForm, user: User):
    """The form's subject and body as the sample recipient reads them, or why they cannot be
    made (a str); None before there is a project to write for."""
    project_id = chosen_project_id(form)
    if project_id is None:
        return None
    try:
        project = project_for(user, project_id)
        kind = CampaignKind(form.kind.data)
    except (DomainError, ValueError):
        return None
    return mailing.draft_sample(
        project=project,
        kind=kind,
        subject=form.subject.data or "",
        body=(form.body.data or "").replace("\r\n", "\n"),
        field_code=form.field_code.data or None,
    )


def form_page(form: CampaignForm, campaign: Campaign | None, user: User, *, preview=None):
    """The campaign form beside its preview; a refused submission answers 422 (nothing saved)."""
    if campaign is None and request.method == "GET":
        apply_starter(form, request.args.get("start"))
    target = {"campaign": campaign.id} if campaign else {}
    page = render_template(
        "campaigns/form.html",
        form=form,
        campaign=campaign,
        sms=editor_sample(chosen_project_id(form)),
        starters=STARTERS if campaign is None else (),
        placeholders=PLACEHOLDER_MEANINGS,
        subject_placeholders=SUBJECT_PLACEHOLDERS,
        preview=preview if preview is not None else sample(form, user),
        preview_url=url_for("campaign_editor.preview", **target),
        action=url_for("campaigns.edit", campaign_id=campaign.id)
        if campaign
        else url_for("campaigns.new"),
    )
    return page, 422 if form.errors else 200
