"""A demo survey campaign as it went: a message per recipient of the real audience rule, what
people did with them (opens, clicks, answers), and the survey's responses from exactly those
who answered, so the funnel, the messages and the survey results tell one story.

The proportions are a campaign that beat the office's old figures (82% delivered, 9% of those
opened): the registry was cleaned (few bounces), and the invitation is short and personal.
Rows go in bulk (COPY on PostgreSQL): 100,000 subscribers make ~25,000 messages a campaign.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select

from pcrm.campaigns.batches import NOT_REACHABLE
from pcrm.campaigns.first_wave import first_wave
from pcrm.campaigns.models import Campaign, CampaignWave, WaveStatus
from pcrm.campaigns.waves import wave_audience
from pcrm.db import bulk_insert, bulk_insert_returning_ids, foreign_keys_checked_after
from pcrm.demo.sms_results import (
    bounce_dead_numbers,
    delivery_events,
    delivery_outcomes,
    in_requests,
    load_replies,
    record_requests,
)
from pcrm.demo.surveys import Respondent, record_responses, respondent_propensity
from pcrm.extensions import db
from pcrm.messaging.mail import NON_ASCII_LOCAL_PART
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus, ShortTarget, new_token
from pcrm.messaging.sens import NOT_A_MOBILE_NUMBER
from pcrm.messaging.shortlinks import create_short_links
from pcrm.subscribers.models import Channel, Subscriber
from pcrm.surveys.models import Answer, Response, Survey

BOUNCED = 0.04  # hard bounces left after the clean-up of the registry
MACHINE_OPEN = 0.12  # Apple Mail Privacy Protection fetches every image of every message
CLICKED_ONLY = 0.07  # followed the link and left without answering
OPENED_ONLY = 0.25
TEXT_FAILED = 0.015  # numbers changed or out of service since they signed up
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
NO_SUCH_USER = "550 5.1.1 The email account that you tried to reach does not exist"
# A few of the undelivered are not hard bounces: (status, SMTP code, reason, attempts). The
# soft bounces and the failed addresses (corrected in the registry since) are worth a retry.
A_FEW_OTHERS = (
    *[(MessageStatus.BOUNCED_SOFT, 452, "4.2.2 Mailbox full, try again later", 6)] * 3,
    *[(MessageStatus.FAILED, None, NON_ASCII_LOCAL_PART, 1)] * 2,
    (MessageStatus.SUPPRESSED, None, NOT_REACHABLE, 0),
)


@dataclass
class Outcome:
    """One message: its row, and when a proxy fetched its pixel (if one did)."""

    row: dict
    machine_open: datetime | None = None


def _recipients(ids: Select) -> list[Row]:
    """The people `ids` selects, with what their messages and answers need."""
    columns = (Subscriber.id, Subscriber.email, Subscriber.phone, Subscriber.birth_year)
    columns += (Subscriber.gender, Subscriber.dong_id, Subscriber.kind)
    query = ids.with_only_columns(*columns).order_by(Subscriber.id)
    return db.session.execute(query).all()


def _value(member) -> str | None:
    return None if member is None else member.value


def _blank(campaign: Campaign, person: Row, sent_at: datetime) -> dict:
    """Every column of a message sent at `sent_at` (COPY applies no defaults)."""
    row = {"campaign_id": campaign.id, "subscriber_id": person.id, "channel": "email"}
    row |= {"wave": 0, "status": MessageStatus.SENT.value, "token": new_token()}
    row |= {"address": person.email, "provider_id": None, "attempts": 1, "smtp_code": None}
    row |= {"last_error": None, "created_at": sent_at, "claimed_at": None, "sent_at": sent_at}
    stamps = ("delivered_at", "opened_at", "clicked_at", "responded_at", "unsubscribed_at")
    return row | dict.fromkeys(stamps)


def _outcome(campaign: Campaign, person: Row, sent_at: datetime, rng, today: date) -> Outcome:
    row = _blank(campaign, person, sent_at)
    if rng.random() < BOUNCED:
        row |= {"status": MessageStatus.BOUNCED_HARD.value, "sent_at": None, "smtp_code": 550}
        return Outcome(row | {"last_error": NO_SUCH_USER})
    machine = sent_at + timedelta(minutes=rng.randint(1, 30))
    outcome = Outcome(row, machine if rng.random() < MACHINE_OPEN else None)
    answers = respondent_propensity(person.birth_year, _value(person.kind), today)
    roll = rng.random()
    if roll >= answers + CLICKED_ONLY + OPENED_ONLY:
        return outcome
    row["opened_at"] = sent_at + timedelta(hours=rng.uniform(0.2, 72))
    if roll < answers + CLICKED_ONLY:
        row["clicked_at"] = row["opened_at"] + timedelta(seconds=rng.randint(5, 120))
    if roll < answers:
        row["responded_at"] = row["clicked_at"] + timedelta(minutes=rng.randint(2, 9))
    return outcome


def _a_few_others(outcomes: list[Outcome]) -> None:
    bounced = (o.row for o in outcomes if o.row["status"] == MessageStatus.BOUNCED_HARD.value)
    for row, (status, code, reason, attempts) in zip(bounced, A_FEW_OTHERS, strict=False):
        row |= {"status": status.value, "smtp_code": code, "last_error": reason}
        row["attempts"] = attempts
        if status is MessageStatus.FAILED:  # the address then; the registry holds it corrected
            row["address"] = f"주민{row['subscriber_id']}@{row['address'].rpartition('@')[2]}"


def _events(message_id: int, outcome: Outcome) -> list[dict]:
    row = outcome.row
    base = {"message_id": message_id, "campaign_id": row["campaign_id"], "link_id": None}
    human = base | {"machine": False, "detail": PHONE}
    events = []
    if outcome.machine_open:
        events.append(base | {"kind": EventKind.OPEN.value, "machine": True,
                              "detail": "Apple Mail Privacy Protection",
                              "created_at": outcome.machine_open})  # fmt: skip
    if row["opened_at"]:
        events.append(human | {"kind": EventKind.OPEN.value, "created_at": row["opened_at"]})
    if row["clicked_at"]:
        events.append(human | {"kind": EventKind.CLICK.value, "link_id": 0,
                               "created_at": row["clicked_at"]})  # fmt: skip
    if row["responded_at"]:
        events.append(base | {"kind": EventKind.RESPONSE.value, "machine": False, "detail": "",
                              "created_at": row["responded_at"]})  # fmt: skip
    return events + delivery_events(base | {"machine": False}, row)


def _respondent(message_id: int, person: Row, outcome: Outcome) -> Respondent:
    return Respondent(
        message_id=message_id,
        subscriber_id=person.id,
        birth_year=person.birth_year,
        gender=_value(person.gender),
        dong_id=person.dong_id,
        kind=_value(person.kind),
        submitted_at=outcome.row["responded_at"],
    )


def send_survey_campaign(
    campaign: Campaign, survey: Survey, sent_at: datetime, rng: random.Random
) -> int:
    """Write the campaign's messages on each channel of its first wave (e-mail, texts, or
    both for a mixed campaign), events and the survey's responses; returns messages."""
    today, count = date.today(), 0
    for channel, ids in first_wave(campaign):
        people = _recipients(ids)
        if channel is Channel.SMS:
            outcomes = [_texted(campaign, p, 0, sent_at, rng, today) for p in people]
            in_requests([outcome.row for outcome in outcomes])
            delivery_outcomes([outcome.row for outcome in outcomes], rng)
        else:
            outcomes = [_outcome(campaign, person, sent_at, rng, today) for person in people]
            _a_few_others(outcomes)
        # Short links as an SMS of the campaign carries, so the demo shows them resolving.
        count += _write(campaign, survey, people, outcomes, rng, wave=0)
    bounce_dead_numbers(campaign.id)  # a dead number's phone marked and suppressed
    return count


def _write(campaign, survey, people, outcomes, rng, *, wave: int) -> int:
    """Messages, their events, the survey's responses and the wave's short links, at once."""
    connection = db.session.connection()
    tables = (Message.__table__, Event.__table__, Response.__table__, Answer.__table__)
    with foreign_keys_checked_after(connection, *tables):
        ids = bulk_insert_returning_ids(connection, Message.__table__, [o.row for o in outcomes])
        sent = list(zip(ids, people, outcomes, strict=True))
        bulk_insert(connection, Event.__table__, [e for i, _p, o in sent for e in _events(i, o)])
        answered = [_respondent(i, p, o) for i, p, o in sent if o.row["responded_at"]]
        record_responses(connection, survey, answered, rng)
    record_requests(connection, ids, [o.row for o in outcomes])
    targets = (ShortTarget.SURVEY, ShortTarget.UNSUBSCRIBE)
    create_short_links(campaign_id=campaign.id, wave=wave, targets=targets)
    return len(ids)


def _sms_row(campaign: Campaign, person: Row, wave: int, sent_at: datetime) -> dict:
    row = _blank(campaign, person, sent_at) | {"channel": "sms", "wave": wave}
    return row | {"address": person.phone, "provider_id": f"demo-{new_token()[:12]}"}


def _texted(campaign, person: Row, wave: int, sent_at: datetime, rng, today, pull=1.0) -> Outcome:
    """One text as it went: a few numbers no longer in service; some follow the link and
    answer (a text has no open to count). `pull`: how much of their propensity it moves."""
    row = _sms_row(campaign, person, wave, sent_at)
    if rng.random() < TEXT_FAILED:
        row |= {"status": MessageStatus.FAILED.value, "sent_at": None}
        return Outcome(row | {"provider_id": None, "last_error": NOT_A_MOBILE_NUMBER})
    answers = respondent_propensity(person.birth_year, _value(person.kind), today) * pull
    roll = rng.random()
    if roll < answers + CLICKED_ONLY * pull:
        row["clicked_at"] = sent_at + timedelta(hours=rng.uniform(0.1, 30))
        row["opened_at"] = row["clicked_at"]  # a followed link shows it was read
    if roll < answers:
        row["responded_at"] = row["clicked_at"] + timedelta(minutes=rng.randint(2, 9))
    return Outcome(row)


def send_sms_reminder(
    campaign: Campaign, survey: Survey, wave: CampaignWave, sent_at: datetime, rng: random.Random
) -> int:
    """Write an SMS reminder as it went: to the non-respondents the real rule picks, some of
    whom answered after it (their responses in the survey); returns messages."""
    people = _recipients(wave_audience(campaign, Channel.SMS))
    today = date.today()
    # A reminder moves fewer than the invitation did: half its propensity.
    outcomes = [_texted(campaign, p, wave.number, sent_at, rng, today, 0.5) for p in people]
    in_requests([outcome.row for outcome in outcomes])
    delivery_outcomes([outcome.row for outcome in outcomes], rng)
    count = _write(campaign, survey, people, outcomes, rng, wave=wave.number)
    wave.status, wave.materialised_at = WaveStatus.SENT, sent_at
    bounce_dead_numbers(campaign.id)
    load_replies(campaign.id, rng)
    return count
