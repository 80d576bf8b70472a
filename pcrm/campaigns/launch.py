"""Launch: at send time, materialise the recipients as Message rows and queue their batches.

Recipients are written by one INSERT ... SELECT through the reachability rule, unique per
(campaign, subscriber, channel, wave), so a second launch adds nothing. Batches are ranges of
message ids (`id // CAMPAIGN_BATCH_SIZE`), so the reconciler finds the same job ids again.
"""

from datetime import timedelta

from flask import current_app
from rq import Retry
from sqlalchemy import Select, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.first_wave import first_wave
from pcrm.campaigns.invitation import survey_problem
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.campaigns.progress import finish_if_done
from pcrm.campaigns.sending import send_batch
from pcrm.db import UTCDateTime, utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus, ShortTarget
from pcrm.messaging.shortlinks import create_short_links
from pcrm.queue import BULK
from pcrm.subscribers.models import Channel, Subscriber


def _token_sql():
    if db.engine.dialect.name == "postgresql":
        return func.translate(func.encode(func.gen_random_bytes(18), "base64"), "+/", "-_")
    return func.pcrm_token()  # registered on every SQLite connection (messaging.models)


def materialise(campaign: Campaign, wave: int = 0) -> int:
    """Insert a queued message per recipient not already in the campaign, on each channel of
    its first wave; returns how many."""
    return sum(
        insert_messages(campaign, ids, channel=channel, wave=wave)
        for channel, ids in first_wave(campaign)
    )


def insert_messages(campaign: Campaign, ids: Select, *, channel: Channel, wave: int) -> int:
    """Insert a queued message on `channel` in `wave` for each subscriber id `ids` selects (the
    SMS ones with their short links), skipping who has one already; returns how many."""
    address = Subscriber.email if channel is Channel.EMAIL else Subscriber.phone
    rows = ids.with_only_columns(
        literal(campaign.id),
        Subscriber.id,
        literal(channel.value),
        literal(wave),
        literal(MessageStatus.QUEUED.value),
        _token_sql(),
        literal(0),
        address,
        literal(utcnow(), UTCDateTime()),
    )
    columns = ["campaign_id", "subscriber_id", "channel", "wave", "status", "token", "attempts"]
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Message.__table__).from_select([*columns, "address", "created_at"], rows)
    statement = statement.on_conflict_do_nothing().execution_options(preserve_rowcount=True)
    if channel is not Channel.SMS:
        return db.session.connection().execute(statement).rowcount
    added = list(db.session.connection().execute(statement.returning(Message.id)).scalars())
    create_short_links(
        campaign_id=campaign.id,
        wave=wave,
        targets=short_targets(campaign),
        new_message_ids=added,
    )
    return len(added)


def short_targets(campaign: Campaign) -> tuple[ShortTarget, ...]:
    """The pages an SMS of the campaign links to: its survey, if any, and always the opt-out."""
    if campaign.kind is CampaignKind.SURVEY:
        return (ShortTarget.SURVEY, ShortTarget.UNSUBSCRIBE)
    return (ShortTarget.UNSUBSCRIBE,)


def batch_ranges(
    campaign_id: int, statuses=(MessageStatus.QUEUED,), allowed=None
) -> list[tuple[int, int]]:
    """The id ranges of the batches holding the campaign's messages in `statuses` (and meeting
    the conditions `allowed` gives on Message, if given)."""
    size = current_app.config["CAMPAIGN_BATCH_SIZE"]
    key = Message.id // size
    keys = db.session.scalars(
        select(key)
        .where(Message.campaign_id == campaign_id, Message.status.in_(statuses))
        .where(*(allowed(Message) if allowed else ()))
        .group_by(key)
        .order_by(key)
    )
    return [(key * size, key * size + size - 1) for key in keys]


def batch_range(message_id: int) -> tuple[int, int]:
    """The id range of the batch a message belongs to."""
    size = current_app.config["CAMPAIGN_BATCH_SIZE"]
    first = message_id // size * size
    return first, first + size - 1


def batch_job_id(campaign_id: int, first_id: int, last_id: int) -> str:
    return f"pcrm-send-{campaign_id}-{first_id}-{last_id}"


def _retry() -> Retry:
    intervals = current_app.config["CAMPAIGN_RETRY_INTERVALS"]
    return Retry(max=len(intervals), interval=list(intervals))


def enqueue_batches(campaign_id: int, ranges: list[tuple[int, int]]) -> int:
    """Queue a send job per range in one Redis pipeline (call after the commit)."""
    if not ranges:
        return 0
    queue = queues.get(BULK)
    timeout = current_app.config["CAMPAIGN_BATCH_TIMEOUT"]
    jobs = [
        queue.prepare_data(
            send_batch,
            args=(campaign_id, first, last),
            job_id=batch_job_id(campaign_id, first, last),
            retry=_retry(),
            timeout=timeout,
        )
        for first, last in ranges
    ]
    with queues.redis.pipeline() as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()
    return len(jobs)


def start_sending(campaign: Campaign) -> int:
    """Scheduled → sending: materialise, commit, queue the batches; returns recipients added."""
    previous = campaign.status
    campaign.status, campaign.launched_at, campaign.held_at = CampaignStatus.SENDING, utcnow(), None
    added = materialise(campaign)
    note = f"{added}명에게 발송 시작"
    record_transition(campaign.id, "launched", previous, CampaignStatus.SENDING, note=note)
    db.session.commit()
    enqueue_batches(campaign.id, batch_ranges(campaign.id))
    finish_if_done(campaign.id)
    return added


def late_by(campaign: Campaign) -> timedelta:
    return utcnow() - campaign.send_at if campaign.send_at else timedelta(0)


def hold_reason(campaign: Campaign) -> str | None:
    """Why a due campaign must wait for a person instead of going now, or None: it is late
    (the service was down), or its survey is not open now (closed early, say)."""
    late = late_by(campaign)
    if late > timedelta(minutes=current_app.config["CAMPAIGN_LATE_AFTER_MINUTES"]):
        return f"예정 시각보다 {int(late.total_seconds() // 60)}분 늦어 발송 확인을 기다립니다"
    return survey_problem(campaign, sending_at=utcnow())


def hold(campaign: Campaign, reason: str) -> None:
    """Keep the campaign from launching until PR staff confirm it, saying why; commits."""
    campaign.held_at = utcnow()
    record_transition(campaign.id, "held", campaign.status, campaign.status, note=reason)
    db.session.commit()
