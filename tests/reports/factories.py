"""A campaign with known counts: ten people, an e-mail invitation and an SMS reminder, human and
machine opens, clicks on two links, hard and soft bounces, an opt-out, a complaint and answers
after each wave. Every figure of the reports is checked against it (see test_metrics.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.subscribers.models import Channel, Dong, Gender, Kind, Subscriber, subscriber_interest
from tests.campaigns.factories import create_campaign

# 23:30 in Seoul: an answer half an hour later falls on the next Seoul day.
T0 = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
T1 = T0 + timedelta(days=3)  # the SMS reminder
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
BODY = "{{ name }}님, 설문에 참여해 주세요.\n{{ survey_link }}\n노선도: https://www.sd.go.kr/bus"

S, H, F, SUP = MessageStatus.SENT, MessageStatus.BOUNCED_HARD, MessageStatus.FAILED, "suppressed"
# person: (gender, birth year, kind, first dong?, extra field)
PEOPLE = [
    (Gender.FEMALE, 1990, Kind.INDIVIDUAL, True, "culture"),
    (Gender.MALE, 1960, Kind.INDIVIDUAL, True, None),
    (Gender.FEMALE, None, Kind.INDIVIDUAL, False, None),
    (Gender.FEMALE, None, Kind.INDIVIDUAL, False, None),
    (None, None, Kind.INDIVIDUAL, False, None),
    (None, None, Kind.BUSINESS, False, None),
    (None, None, Kind.INDIVIDUAL, False, None),
    (Gender.MALE, None, Kind.INDIVIDUAL, False, None),
    (None, None, Kind.INDIVIDUAL, False, None),
    (None, 1990, Kind.INDIVIDUAL, False, None),
]


@dataclass
class Known:
    campaign: Campaign
    people: list[Subscriber]


def _people(prefix: str) -> list[Subscriber]:
    dong = db.session.scalar(select(Dong).order_by(Dong.position, Dong.id).limit(1))
    people = [
        Subscriber(
            name=f"주민{n}",
            email=f"{prefix}{n}@example.com",
            gender=gender,
            birth_year=born,
            kind=kind,
            dong_id=dong.id if in_dong else None,
        )
        for n, (gender, born, kind, in_dong, _field) in enumerate(PEOPLE)
    ]
    db.session.add_all(people)
    db.session.flush()
    links = [{"subscriber_id": p.id, "field_code": "survey"} for p in people]
    links += [
        {"subscriber_id": p.id, "field_code": spec[4]}
        for p, spec in zip(people, PEOPLE, strict=True)
        if spec[4]
    ]
    db.session.execute(insert(subscriber_interest), links)
    return people


def _message(campaign, person, channel, wave, status, sent_at, **times) -> Message:
    message = Message(
        campaign_id=campaign.id,
        subscriber_id=person.id,
        channel=channel,
        wave=wave,
        status=MessageStatus(status),
        sent_at=sent_at if status != SUP else None,
        **times,
    )
    db.session.add(message)
    db.session.flush()
    return message


def _event(message, kind, at, *, machine=False, link_id=None) -> None:
    db.session.add(
        Event(
            message_id=message.id,
            campaign_id=message.campaign_id,
            kind=kind,
            machine=machine,
            link_id=link_id,
            created_at=at,
        )
    )


def known_campaign(project=None, *, prefix: str = "known") -> Known:
    """The campaign described at the top of this module, sent."""
    campaign = create_campaign(project, status=CampaignStatus.SENT, body=BODY, name="알려진 캠페인")
    campaign.launched_at = T0
    p = _people(prefix)
    e = Channel.EMAIL
    m = [
        _message(campaign, p[0], e, 0, S, T0, opened_at=T0 + 5 * MIN, clicked_at=T0 + 6 * MIN,
                 responded_at=T0 + 30 * MIN),
        _message(campaign, p[1], e, 0, S, T0, opened_at=T0 + 10 * MIN, clicked_at=T0 + 11 * MIN,
                 responded_at=T0 + 2 * HOUR),
        _message(campaign, p[2], e, 0, S, T0, opened_at=T0 + HOUR),
        _message(campaign, p[3], e, 0, S, T0),
        _message(campaign, p[4], e, 0, S, T0, opened_at=T0 + 3 * HOUR,
                 unsubscribed_at=T0 + 3 * HOUR),
        _message(campaign, p[5], e, 0, S, T0),
        _message(campaign, p[6], e, 0, S, T0),
        _message(campaign, p[7], e, 0, H, T0),
        _message(campaign, p[8], e, 0, MessageStatus.BOUNCED_SOFT, T0),
        _message(campaign, p[9], e, 0, SUP, T0),
    ]  # fmt: skip
    s = Channel.SMS
    r = {
        2: _message(campaign, p[2], s, 1, S, T1, opened_at=T1 + 40 * MIN,
                    clicked_at=T1 + 40 * MIN, responded_at=T1 + 50 * MIN),
        3: _message(campaign, p[3], s, 1, S, T1, responded_at=T1 + 5 * HOUR),
        5: _message(campaign, p[5], s, 1, S, T1),
        6: _message(campaign, p[6], s, 1, S, T1),
        7: _message(campaign, p[7], s, 1, S, T1, responded_at=T1 + 2 * DAY),
        8: _message(campaign, p[8], s, 1, F, T1),
    }  # fmt: skip
    OPEN, C = EventKind.OPEN, EventKind.CLICK
    _event(m[0], OPEN, T0 + 5 * MIN)
    _event(m[0], C, T0 + 6 * MIN, link_id=0)
    _event(m[0], C, T0 + 8 * MIN, link_id=0)
    _event(m[1], OPEN, T0 + 10 * MIN)
    _event(m[1], C, T0 + 11 * MIN, link_id=1)
    _event(m[1], C, T0 + 12 * MIN, link_id=0)
    _event(m[2], OPEN, T0 + HOUR)
    _event(m[3], OPEN, T0 + MIN, machine=True)
    _event(m[3], OPEN, T0 + 2 * MIN, machine=True)
    _event(m[4], OPEN, T0 + MIN, machine=True)
    _event(m[4], OPEN, T0 + 3 * HOUR)
    _event(m[4], EventKind.UNSUBSCRIBE, T0 + 3 * HOUR)
    _event(m[5], EventKind.COMPLAINT, T0 + DAY)
    _event(m[6], C, T0 + MIN, machine=True, link_id=1)
    _event(r[2], C, T1 + 40 * MIN, link_id=0)
    for message in (m[0], m[1], r[2], r[3], r[7]):
        _event(message, EventKind.RESPONSE, message.responded_at)
    db.session.commit()
    return Known(campaign, p)
