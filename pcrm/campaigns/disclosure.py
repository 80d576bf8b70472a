"""What campaign pages show of residents, to whom, and the access log of it.

PR staff, who keep the registry, see names and addresses; department staff see them masked
(they need counts and reasons, not who the people are). Either view is in the access log.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from pcrm.auth.models import User
from pcrm.campaigns import results
from pcrm.campaigns.mailing import audience_sample, render_sample
from pcrm.campaigns.models import Campaign
from pcrm.campaigns.templating import TemplateProblem
from pcrm.extensions import db
from pcrm.messaging.channels import Content
from pcrm.messaging.models import MessageStatus
from pcrm.subscribers.masking import mask_email, mask_name
from pcrm.subscribers.service import record_view


@dataclass(frozen=True)
class Disclosure:
    """How much of a resident a staff member sees: everything, or masked."""

    full: bool

    @classmethod
    def to(cls, user: User) -> "Disclosure":
        return cls(full=user.sees_all_departments)

    def name(self, value: str | None) -> str:
        return (value or "") if self.full else mask_name(value)

    def email(self, value: str | None) -> str:
        return (value or "") if self.full else mask_email(value)


@dataclass(frozen=True)
class Preview:
    """The e-mail as one recipient would get it (or why it cannot be made), and whom to pick."""

    mail: Content | None
    problem: str | None
    people: list[tuple[int, str]]


def _what(words: str, disclosure: Disclosure) -> str:
    return words + ("" if disclosure.full else " " + _("(가림 표시)"))


def preview(campaign: Campaign, *, user: User, subscriber_id: int | None) -> Preview:
    """The preview for a chosen recipient of the audience; logged when it shows residents."""
    disclosure = Disclosure.to(user)
    people = audience_sample(campaign)
    chosen = next((p for p in people if p.id == subscriber_id), people[0] if people else None)
    name = disclosure.name(chosen.name) if chosen else None
    choices = [(p.id, f"{disclosure.name(p.name)} ({disclosure.email(p.email)})") for p in people]
    if people:
        what = _what(_("캠페인 미리보기: %(name)s", name=campaign.name), disclosure)
        record_view(user=user, what=what, record_count=len(people))
    try:
        return Preview(render_sample(campaign, name), None, choices)
    except TemplateProblem as problem:
        return Preview(None, str(problem), choices)


@dataclass(frozen=True)
class Row:
    """One recipient of the send results, as this staff member may see them."""

    name: str
    address: str
    status: MessageStatus
    sent_at: datetime | None
    reason: str


def results_page(
    campaign: Campaign,
    *,
    user: User,
    status: str | None,
    q: str | None,
    page: int,
    per_page: int,
) -> tuple[Pagination, list[Row]]:
    """A page of the send results, shown as the user may see them; the view is logged."""
    disclosure = Disclosure.to(user)
    query = results.recipients(campaign.id, status=status, q=q)
    page = db.paginate(query, page=page, per_page=per_page)
    rows = [
        Row(
            name=disclosure.name(m.subscriber.name),
            address=disclosure.email(m.address or m.subscriber.email),
            status=m.status,
            sent_at=m.sent_at,
            reason=results.readable_reason(m),
        )
        for m in page.items
    ]
    if rows:
        filters = ", ".join(f"{k}={v}" for k, v in (("status", status), ("q", q)) if v)
        what = _("발송 결과 조회: %(name)s", name=campaign.name)
        what += f" [{filters}]" if filters else ""
        record_view(user=user, what=_what(what, disclosure), record_count=len(rows))
    return page, rows
