"""An SMS text of a campaign measured for the people it goes to, before it is saved.

Each recipient's text is rendered with their name and a short link as long as a real one, so
the SMS/LMS counts and the cost are those that will be sent; a text that cannot go (over 2,000
bytes, a character CP949 cannot carry) is refused naming why.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, false, select

from pcrm.campaigns.first_wave import sms_audience
from pcrm.campaigns.mailing import SAMPLE_NAME, sender_name
from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.campaigns.templating import TemplateProblem
from pcrm.campaigns.texting import ADVERTISING, compile_sms
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.sms_text import AudienceMeasure, Prices, measure_audience
from pcrm.projects.models import Project
from pcrm.subscribers.models import Segment, Subscriber
from pcrm.urls import public_url

# As long as a real short link, so the measured size is the size sent.
SAMPLE_CODE = "X" * 11
SAMPLE_NAMES = 1000  # names measured for the cost: enough to be representative


def editor_sample(project_id: int | None, kind: CampaignKind | None = None) -> dict:
    """What the editor's script fills placeholders with (a three-syllable name, links as long
    as real ones), and the lines every text gets: the advertising mark (for `kind`, or the
    kind chosen on the form) and the opt-out."""
    project = db.session.get(Project, project_id) if project_id else None
    link = sample_link()
    opt_out = current_app.config["SMS_OPT_OUT_LINE"].strip()
    return {
        "values": {
            "name": SAMPLE_NAME,
            "survey_link": link,
            "unsubscribe_link": link,
            "preferences_link": link,
            "project": project.name_ko if project else "",
            "department": project.department.name_ko if project else "",
            "sender": sender_name(),
        },
        "advertising": f"{ADVERTISING}{sender_name()}",
        "promotional": None if kind is None else kind is CampaignKind.PROMOTIONAL,
        "suffix": "\n".join(["", f"수신거부 {link}", *([opt_out] if opt_out else [])]),
    }


def sample_link() -> str:
    return public_url("tracking.short_link", code=SAMPLE_CODE)


def measure_sms(
    campaign: Campaign, *, subject: str, body: str, ids: Select, field: str = "body"
) -> AudienceMeasure:
    """The texts for the names of who `ids` selects: SMS/LMS counts and cost; Invalid on
    `field` naming the characters that cannot be sent (and what could replace them), or the
    size over the limit. TemplateProblem if the text does not compile."""
    compiled = compile_sms(campaign, subject=subject, body=body)
    link = sample_link()
    sample = ids.limit(SAMPLE_NAMES).subquery()
    names = list(
        db.session.scalars(select(Subscriber.name).where(Subscriber.id.in_(select(sample))))
    )
    survey_link = link if campaign.survey_id else ""
    texts = [
        compiled.render(name=name, survey_link=survey_link, unsubscribe_link=link)
        for name in names or [None]
    ]
    measured = measure_audience(
        template="{{ text }}",
        subject="{{ subject }}",
        values=[{"text": t.text, "subject": t.subject or ""} for t in texts],
        prices=Prices.from_config(current_app.config),
    )
    if measured.first_refusal is not None:
        raise Invalid(measured.first_refusal.problem(), field=field)
    # Nobody yet: the sample text was checked, but there is nothing to count or pay for.
    return measured if names else AudienceMeasure(sms=0, lms=0, refused=0, cost=0)


def check_sms(campaign: Campaign) -> AudienceMeasure | None:
    """The campaign's first SMS measured for who gets it now (None while it has no text):
    Invalid on the SMS field when it cannot be sent."""
    subject, body = campaign.sms_content()
    if not body.strip():
        return None
    try:
        return measure_sms(campaign, subject=subject, body=body, ids=_sms_ids(campaign))
    except TemplateProblem as problem:
        message = _("문자의 자리표시자를 확인하세요: %(e)s", e=problem)
        raise Invalid(message, field="sms_body") from None
    except Invalid as refusal:
        raise Invalid(refusal.message, field="sms_body") from None


def _sms_ids(campaign: Campaign) -> Select:
    if campaign.segment_id is None or campaign.field_code is None:
        return select(Subscriber.id).where(false())
    # The segment chosen on the form: the relationship may not follow the id before a flush.
    campaign.segment = db.session.get(Segment, campaign.segment_id)
    return sms_audience(campaign)


@dataclass(frozen=True)
class SmsSummary:
    """What the campaign page shows of its SMS: the measure, or why it cannot go, and the
    text as a recipient named 홍길동 would get it."""

    measured: AudienceMeasure | None = None
    problem: str | None = None
    sample: str | None = None


def sms_summary(campaign: Campaign) -> SmsSummary | None:
    """The campaign's first SMS for its page; None when it sends no SMS."""
    if not campaign.texts:
        return None
    try:
        measured = check_sms(campaign)
    except Invalid as refusal:
        return SmsSummary(problem=refusal.message)
    subject, body = campaign.sms_content()
    link = sample_link()
    sample = compile_sms(campaign, subject=subject, body=body).render(
        name=SAMPLE_NAME, survey_link=link if campaign.survey_id else "", unsubscribe_link=link
    )
    return SmsSummary(measured=measured, sample=sample.text)
