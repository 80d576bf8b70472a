"""An SMS text of a campaign measured for the people it goes to, before it is saved.

Each recipient's text is rendered with their name and a short link as long as a real one, so
the SMS/LMS counts and the cost are those that will be sent; a text that cannot go (over 2,000
bytes, a character CP949 cannot carry) is refused naming why.
"""

from flask import current_app
from sqlalchemy import Select, select

from pcrm.campaigns.mailing import sender_name
from pcrm.campaigns.models import Campaign
from pcrm.campaigns.texting import ADVERTISING, compile_sms
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.sms_text import AudienceMeasure, Prices, measure_audience
from pcrm.projects.models import Project
from pcrm.subscribers.models import Subscriber
from pcrm.urls import public_url

# As long as a real short link, so the measured size is the size sent.
SAMPLE_CODE = "X" * 11
SAMPLE_NAMES = 1000  # names measured for the cost: enough to be representative
SAMPLE_NAME = "홍길동"  # the editor counts a typical three-syllable name


def editor_sample(project_id: int | None) -> dict:
    """What the editor's script fills placeholders with (a three-syllable name, links as long
    as real ones), and the lines every text gets: the advertising mark and the opt-out."""
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
