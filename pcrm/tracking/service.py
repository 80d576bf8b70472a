"""What residents do with a message: open it, follow its links, unsubscribe."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from pcrm.campaigns.models import CampaignKind
from pcrm.campaigns.templating import SURVEY_LINK, body_links
from pcrm.db import utcnow
from pcrm.errors import NotFound
from pcrm.extensions import db
from pcrm.messaging import shortlinks
from pcrm.messaging.models import EventKind, Message, ShortTarget
from pcrm.messaging.service import message_for_token, record_event
from pcrm.subscribers import residents
from pcrm.subscribers.models import ConsentSource, InterestField
from pcrm.tracking.machines import machine_reason
from pcrm.urls import public_url

# Link id of a click on an SMS's short opt-out link (the survey link is 0, body URLs 1, 2, ...);
# never a /c/ link, whose ids are not negative.
UNSUBSCRIBE_LINK = -1


@dataclass(frozen=True)
class Visit:
    """The parts of a request that tell people from machines."""

    method: str
    user_agent: str
    remote_addr: str | None
    headers: dict


def _message(token: str) -> Message:
    message = message_for_token(token)
    if message is None:
        raise NotFound(_("찾을 수 없습니다."))
    return message


def _classify(message: Message, visit: Visit) -> str | None:
    return machine_reason(
        method=visit.method,
        user_agent=visit.user_agent,
        remote_addr=visit.remote_addr,
        headers=visit.headers,
        sent_at=message.sent_at,
        now=utcnow(),
        window_seconds=current_app.config["MACHINE_OPEN_SECONDS"],
    )


def record_open(token: str, visit: Visit) -> None:
    """An open pixel was fetched: a human or a machine open; commits."""
    message = _message(token)
    reason = _classify(message, visit)
    if reason is None and message.opened_at is None:
        message.opened_at = utcnow()
    record_event(
        message, EventKind.OPEN, machine=reason is not None, detail=reason or visit.user_agent
    )
    db.session.commit()


def link_target(message: Message, link_id: int) -> str:
    """Where link `link_id` of this message leads; NotFound unless the message has that link."""
    campaign = message.campaign
    if link_id == SURVEY_LINK:
        if campaign.kind is not CampaignKind.SURVEY:
            raise NotFound(_("찾을 수 없습니다."))
        return public_url("surveys.respond", token=message.token)
    links = body_links(campaign.body)
    if not 1 <= link_id <= len(links):
        raise NotFound(_("찾을 수 없습니다."))
    return links[link_id - 1]


def _record_click(message: Message, link_id: int, visit: Visit) -> None:
    reason = _classify(message, visit)
    if reason is None:
        now = utcnow()
        # Leaving is not taking part: an opt-out click does not count as a click on content.
        if link_id != UNSUBSCRIBE_LINK:
            message.clicked_at = message.clicked_at or now
        message.opened_at = message.opened_at or now  # a click means the message was read
    detail = reason or visit.user_agent
    record_event(
        message, EventKind.CLICK, machine=reason is not None, link_id=link_id, detail=detail
    )
    db.session.commit()


def record_click(token: str, link_id: int, visit: Visit) -> str:
    """Record a click on one of the message's own links and return its target; commits."""
    message = _message(token)
    target = link_target(message, link_id)
    _record_click(message, link_id, visit)
    return target


def follow_short_link(code: str, visit: Visit) -> str:
    """Where an SMS's short link leads (its survey, the same click as the e-mail's survey link,
    or its opt-out page); records the click, except for a HEAD, which only asks; commits."""
    link = shortlinks.find(code)
    if link is None:
        raise NotFound(_("찾을 수 없습니다."))
    message = link.message
    if link.target is ShortTarget.SURVEY:
        link_id, target = SURVEY_LINK, link_target(message, SURVEY_LINK)
    else:
        link_id, target = UNSUBSCRIBE_LINK, public_url("tracking.unsubscribe", token=message.token)
    if visit.method != "HEAD":
        _record_click(message, link_id, visit)
    return target


def unsubscribe_page(token: str) -> Message:
    """The message an unsubscribe link names (for the page; changes nothing)."""
    return _message(token)


def field_of(message: Message) -> InterestField | None:
    """The field the message's campaign was sent for (what "this field" means on the page)."""
    code = message.campaign.field_code
    return db.session.get(InterestField, code) if code else None


def unsubscribe(token: str, *, scope: str, source: ConsentSource) -> Message:
    """Stop the channel the message came by ("channel"), its field ("field") or everything
    ("all") for the message's subscriber, through the
    subscribers' own use cases (ledger with its source; at once, also for campaigns still
    sending), then note it on the message; commits."""
    message = _message(token)
    subscriber, field = message.subscriber, message.campaign.field_code
    evidence = f"message {message.id}, campaign {message.campaign_id}"
    if scope == "all":
        changed = residents.unsubscribe_all(subscriber, source=source, evidence=evidence) > 0
    elif scope == "channel":
        changed = residents.unsubscribe_channel(
            subscriber, channel=message.channel, source=source, evidence=evidence
        )
    else:
        changed = bool(field) and residents.unsubscribe_field(
            subscriber, field_code=field, source=source, evidence=evidence
        )
    # Nothing changed: already done (a client retrying its one-click POST), nothing to record.
    if changed:
        message.unsubscribed_at = message.unsubscribed_at or utcnow()
        record_event(message, EventKind.UNSUBSCRIBE, detail=f"{scope} via {source.value}")
        db.session.commit()
    return message
