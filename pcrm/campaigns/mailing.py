"""A campaign's e-mail as recipients see it: compiled once, rendered per recipient."""

from email.utils import parseaddr

from flask import current_app
from jinja2 import TemplateError

from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.campaigns.progress import audience
from pcrm.campaigns.templating import CompiledCampaign, Rendered, TemplateProblem, raw_template
from pcrm.extensions import db
from pcrm.subscribers.models import InterestField, Subscriber

PREVIEW_TOKEN = "preview"  # noqa: S105  (links in a preview lead nowhere: an unknown token 404s)


# Residents' e-mail is written in Korean; jobs render it with no request (and no locale).
KIND_WORDS = {
    CampaignKind.SURVEY: "설문 참여 안내",
    CampaignKind.INFORMATION: "안내 메일",
    CampaignKind.PROMOTIONAL: "광고성 정보",
}


def sender_name() -> str:
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return name or address


def _context(campaign: Campaign) -> dict:
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


def compile_campaign(campaign: Campaign) -> CompiledCampaign:
    """The campaign's templates compiled; TemplateProblem if staff text does not compile."""
    return CompiledCampaign(
        subject=campaign.subject,
        body=campaign.body,
        footer=raw_template("email/footer.txt"),
        context=_context(campaign),
        has_survey=campaign.kind is CampaignKind.SURVEY,
    )


def render_sample(campaign: Campaign, name: str | None = None) -> Rendered:
    """Render once with a harmless token: checks the templates and shows a preview."""
    compiled = compile_campaign(campaign)
    try:
        return compiled.render(token=PREVIEW_TOKEN, name=name)
    except TemplateError as error:  # an unknown placeholder, a blocked attribute (sandbox)
        raise TemplateProblem(str(error)) from None


def preview_for(campaign: Campaign, subscriber_id: int | None) -> tuple[Rendered, list]:
    """The message as one recipient of the audience would get it, and others to choose from."""
    ids = list(db.session.scalars(audience(campaign).limit(20))) if campaign.segment else []
    people = list(db.session.scalars(db.select(Subscriber).where(Subscriber.id.in_(ids))))
    chosen = next((p for p in people if p.id == subscriber_id), people[0] if people else None)
    return render_sample(campaign, chosen.name if chosen else None), people
