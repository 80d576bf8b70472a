"""A campaign's e-mail as recipients see it: compiled once, rendered per recipient."""

import re
from dataclasses import replace
from email.utils import parseaddr

from flask import current_app
from flask_babel import gettext as _

from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.campaigns.progress import audience
from pcrm.campaigns.templating import CompiledCampaign, TemplateProblem, raw_template
from pcrm.extensions import db
from pcrm.messaging.channels import Content
from pcrm.subscribers.models import InterestField, Subscriber

PREVIEW_TOKEN = "preview"  # noqa: S105  (links in a preview lead nowhere: an unknown token 404s)
# Recipients a template must also render for before it is saved: no name, a one-letter name,
# markup in a name (name[1] works for the sample "구독자" and fails for "김").
EDGE_NAMES = ("", "김", "<b>&</b>")
# The sample recipient of the review and the editor (a typical three-syllable name: the SMS
# editor counts it too).
SAMPLE_NAME = "홍길동"


# Residents' e-mail is written in Korean; jobs render it with no request (and no locale).
KIND_WORDS = {
    CampaignKind.SURVEY: "설문 참여 안내",
    CampaignKind.INFORMATION: "안내 메일",
    CampaignKind.PROMOTIONAL: "광고성 정보",
}


def sender_name() -> str:
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return name or address


def template_context(campaign: Campaign) -> dict:
    """The values every template of the campaign may show (project, sender, ...)."""
    field = db.session.get(InterestField, campaign.field_code) if campaign.field_code else None
    return {
        "project": campaign.project.name_ko,
        "department": campaign.project.department.name_ko,
        "sender": sender_name(),
        "sender_address": current_app.config["ORGANISATION_ADDRESS"],
        "field": field.name_ko if field else "",
        "kind": KIND_WORDS[campaign.kind],
        "promotional": campaign.kind is CampaignKind.PROMOTIONAL,
    }


def compile_campaign(
    campaign: Campaign, *, subject: str | None = None, body: str | None = None
) -> CompiledCampaign:
    """The campaign's templates (or a reminder's subject and body) compiled; TemplateProblem if
    staff text does not compile."""
    return CompiledCampaign(
        subject=campaign.subject if subject is None else subject,
        body=campaign.body if body is None else body,
        footer=raw_template("email/footer.txt"),
        context=template_context(campaign),
        has_survey=campaign.kind is CampaignKind.SURVEY,
    )


def render_sample(campaign: Campaign, name: str | None = None) -> Content:
    """Render once with a harmless token: shows a preview; TemplateProblem if it cannot. The
    open pixel is left out: staff reading a sample open nothing (and pages load no image from
    elsewhere)."""
    compiled = compile_campaign(campaign)
    content = compiled.render(token=PREVIEW_TOKEN, name=name)
    pixel = re.escape(compiled.patterns.pixel.format(token=PREVIEW_TOKEN))
    return replace(content, html=re.sub(f'<img src="{pixel}"[^>]*>', "", content.html))


def draft_sample(
    *, project, kind: CampaignKind, subject: str, body: str, field_code: str | None
) -> Content | str:
    """Unsaved editor text as the sample recipient would read it (the review's rendering), or
    the reason it cannot be made, in words; nothing is saved."""
    draft = Campaign(project=project, kind=kind, subject=subject, body=body)
    draft.field_code = "survey" if kind is CampaignKind.SURVEY else field_code
    try:
        return render_sample(draft, name=SAMPLE_NAME)
    except TemplateProblem as problem:
        return str(problem)


def check_renders(
    campaign: Campaign, *, subject: str | None = None, body: str | None = None
) -> None:
    """Render for the sample and for edge recipients, so a template that fails for some
    recipients is refused when saved rather than when sent (the campaign's, or a reminder's
    subject and body)."""
    compiled = compile_campaign(campaign, subject=subject, body=body)
    for name in (None, *EDGE_NAMES):
        try:
            compiled.render(token=PREVIEW_TOKEN, name=name)
        except TemplateProblem as problem:
            shown = name or _("(이름 없음)")
            raise TemplateProblem(
                _("이름이 「%(name)s」인 받는 사람에게: %(e)s", name=shown, e=problem)
            ) from None


def audience_sample(campaign: Campaign) -> list[Subscriber]:
    """Some recipients of the audience, to preview the e-mail as they would get it."""
    if campaign.segment is None:
        return []
    ids = list(db.session.scalars(audience(campaign).limit(20)))
    return list(db.session.scalars(db.select(Subscriber).where(Subscriber.id.in_(ids))))
