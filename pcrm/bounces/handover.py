"""A person's reply to a campaign e-mail (not a bounce, an auto-reply or a receipt) is handed
over to residents' voice, linked to the message and subscriber it answers.

Not inside the ingest: the ingest records the reply (its InboundMail row) and, after its commit,
queues a job with the ids that hands the replies over. A periodic sweep hands over any reply
still without an item (Redis down, a worker killed, an intake that failed), so bounces are
ingested at their own pace and no reply is lost. Voice keeps one item per origin ("mail:<id>"):
the job, its retries and the sweep may meet without an item twice.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr

from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy.orm import undefer

from pcrm.bounces import matching, parsing
from pcrm.bounces.left_mail import readable_text
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.bounces.parsing import PERSON_REPLY
from pcrm.extensions import db, queues
from pcrm.voice import service as voice
from pcrm.voice.models import VoiceChannel

log = logging.getLogger(__name__)

RETRY = Retry(max=3, interval=[60, 180, 600])  # then the sweep tries again
SWEEP_AFTER = timedelta(minutes=10)  # no item this long after ingest: its job did not run
SWEEP_WITHIN = timedelta(days=7)  # older replies stay on the returned-mail page only
CHUNK = 200  # replies handed over a go: the ingest's batch


def person_replies(ingested) -> list[int]:
    """The InboundMail ids of the persons' replies an ingest recorded just now."""
    return [
        result.inbound_id
        for result in ingested
        if not result.duplicate
        and result.inbound_id is not None
        and result.report.why == PERSON_REPLY
    ]


def enqueue_hand_over(inbound_ids: Sequence[int]) -> None:
    """Queue the replies' hand-over, after the ingest's commit. Without Redis (not set, or
    down) the ingest goes on and the sweep hands them over later."""
    if not inbound_ids or queues.url is None:
        return
    try:
        # By its path: bounces.jobs imports this module to run it.
        queues.enqueue("pcrm.bounces.jobs.hand_over_replies", list(inbound_ids), retry=RETRY)
    except RedisError:
        log.warning("replies %s not queued for residents' voice: the sweep takes them", inbound_ids)


def hand_over(inbound_ids: Iterable[int]) -> int:
    """Hand over those of these messages that are persons' replies still left for a person,
    once each, in one commit. Returns how many items are new (raises
    voice.HandOverFailed, after the others, for those that could not be taken in)."""
    rows = db.session.scalars(
        db.select(InboundMail)
        .options(undefer(InboundMail.raw))
        .where(
            InboundMail.id.in_(set(inbound_ids)),
            InboundMail.state == InboundState.NOT_BOUNCE,
            InboundMail.why == PERSON_REPLY,
        )
        .order_by(InboundMail.id)
    ).all()
    return voice.hand_over_many(_replies(rows))


def _replies(rows: Sequence[InboundMail]) -> list[voice.Reply]:
    """Each reply with the message it answers: the one its token names, else our latest
    e-mail to its sender (looked up for all of them in two queries)."""
    tokens = {row.id: _token(row) for row in rows}
    senders = {row.id: parseaddr(row.sender)[1] or None for row in rows}
    by_token = matching.messages_by_token({token for token in tokens.values() if token})
    by_address = matching.latest_sent_to({a for a in senders.values() if a and "@" in a})
    replies = []
    for row in rows:
        sender = senders[row.id]
        answered = by_token.get(tokens[row.id] or "") or by_address.get((sender or "").lower())
        reply = voice.Reply(
            origin=f"mail:{row.id}", channel=VoiceChannel.EMAIL_REPLY,
            body=readable_text(row), email=sender,
            message_id=answered.id if answered else None,
            subscriber_id=answered.subscriber_id if answered else None,
        )  # fmt: skip
        replies.append(reply)
    return replies


def _token(row: InboundMail) -> str | None:
    """The token of the message the reply came back to (its VERP address), read again."""
    return parsing.read(row.raw, max_bytes=len(row.raw)).message_token if row.raw else None


def missed_replies(now: datetime) -> list[int]:
    """Persons' replies ingested between SWEEP_WITHIN and SWEEP_AFTER ago, still left for a
    person, that have no item: their job never ran or failed."""
    received = InboundMail.received_at.between(now - SWEEP_WITHIN, now - SWEEP_AFTER)
    ids = db.session.scalars(
        db.select(InboundMail.id)
        .where(
            received,
            InboundMail.state == InboundState.NOT_BOUNCE,
            InboundMail.why == PERSON_REPLY,
            InboundMail.raw.is_not(None),  # purged: nothing left to hand over
        )
        .order_by(InboundMail.id)
    ).all()
    missed = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        kept = voice.handed_over(f"mail:{inbound_id}" for inbound_id in chunk)
        missed += [inbound_id for inbound_id in chunk if f"mail:{inbound_id}" not in kept]
    return missed


def sweep(now: datetime) -> int:
    """Hand over the missed replies in chunks; a chunk that fails does not stop the rest.
    Returns how many items are new; raises HandOverFailed at the end if some failed."""
    missed, new, failed = missed_replies(now), 0, []
    for start in range(0, len(missed), CHUNK):
        try:
            new += hand_over(missed[start : start + CHUNK])
        except voice.HandOverFailed as error:
            failed.append(str(error))
    if failed:
        raise voice.HandOverFailed(", ".join(failed))
    return new
