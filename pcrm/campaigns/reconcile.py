"""The reconciler: the database says what is unfinished, Redis is made to agree.

For every campaign that is sending: messages claimed by a batch that stopped renewing its claim
(its worker died) go back to the queue, and every batch with queued messages whose job is gone
from Redis (flushed, failed after its retries, or never enqueued) is queued again, unless what
it holds waits for its channel's relay or for the quiet hours' end (campaigns.holds). Running
it while the jobs are healthy queues nothing; running it twice at once at worst queues a job
twice, and the claim's status guard makes the second one a no-op.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from pcrm.campaigns.holds import hold_now
from pcrm.campaigns.launch import batch_job_id, batch_range, batch_ranges, enqueue_batches
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import finish_if_done
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import BULK

ALIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def _stale_before() -> datetime:
    """Claims and jobs older than this belong to a batch that is dead."""
    return utcnow() - timedelta(seconds=current_app.config["CAMPAIGN_STALE_AFTER"])


def release_stale_claims(campaign_id: int) -> list[tuple[int, int]]:
    """Put messages of dead batches back in the queue; returns those batches' ranges."""
    cutoff = _stale_before()
    released = db.session.scalars(
        update(Message.__table__)
        .where(
            Message.campaign_id == campaign_id,
            Message.status == MessageStatus.SENDING,
            Message.claimed_at < cutoff,
        )
        .values(status=MessageStatus.QUEUED, claimed_at=None)
        .returning(Message.id)
    ).all()
    db.session.commit()
    return sorted({batch_range(message_id) for message_id in released})


def _fetch(job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=queues.redis)
    except NoSuchJobError:  # gone, or a husk a dying worker's heartbeat wrote after a flush
        return None


def _jobs_gone(campaign_id: int, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ids = [batch_job_id(campaign_id, *r) for r in ranges]
    try:
        jobs = Job.fetch_many(ids, connection=queues.redis)
    except NoSuchJobError:
        jobs = [_fetch(job_id) for job_id in ids]
    waiting = _Waiting()
    return [r for r, job in zip(ranges, jobs, strict=True) if job is None or _dead(job, waiting)]


class _Waiting:
    """The ids of the jobs waiting in the bulk queue, read once and only if needed."""

    def __init__(self):
        self._ids: set[str] | None = None

    def __contains__(self, job_id: str) -> bool:
        if self._ids is None:
            self._ids = set(queues.get(BULK).get_job_ids())
        return job_id in self._ids


def _dead(job: Job, waiting: _Waiting) -> bool:
    """Gone for good; "started" by a worker that died before it claimed anything; or "queued"
    but in no queue: a worker took it and died before it started it, a state that
    RQ's own clean-up of abandoned jobs passes over. A job found dead while in fact alive is
    queued twice, which the claim makes harmless."""
    status = job.get_status(refresh=False)
    if status is JobStatus.STARTED:
        return _stale(job.started_at)
    if status is JobStatus.QUEUED and _stale(job.enqueued_at):
        return job.id not in waiting
    return status not in ALIVE


def _stale(moment: datetime | None) -> bool:
    return moment is not None and moment.replace(tzinfo=moment.tzinfo or UTC) < _stale_before()


def reconcile_campaign(campaign_id: int) -> int:
    """Re-enqueue what the campaign still owes; returns how many batch jobs were queued.
    Nothing is queued for what waits (a channel's backoff, quiet hours): it goes when that ends."""
    revived = release_stale_claims(campaign_id)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    hold = hold_now(campaign, utcnow())
    if hold.everything:
        return 0
    # Only batches with something that may go now: SMS held by quiet hours wait for the job
    # queued for their end (or, if Redis lost it, for this job's first run after it).
    queued = batch_ranges(campaign_id, allowed=hold.allowed)
    missing = sorted(set(_jobs_gone(campaign_id, queued)) | (set(revived) & set(queued)))
    enqueue_batches(campaign_id, missing)
    finish_if_done(campaign_id)
    return len(missing)


def settle_cancelled_claims() -> int:
    """Messages a dead batch of a since-cancelled campaign still holds: they stay unsent."""
    cutoff = _stale_before()
    cancelled = select(Campaign.id).where(Campaign.status == CampaignStatus.CANCELLED)
    settled = db.session.execute(
        update(Message.__table__)
        .where(
            Message.campaign_id.in_(cancelled),
            Message.status == MessageStatus.SENDING,
            Message.claimed_at < cutoff,
        )
        .values(status=MessageStatus.CANCELLED, claimed_at=None)
    ).rowcount
    db.session.commit()
    return settled


def reconcile_campaigns() -> int:
    """Periodic job: reconcile every campaign that is sending; returns batch jobs queued."""
    settle_cancelled_claims()
    ids = db.session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING))
    return sum(reconcile_campaign(campaign_id) for campaign_id in list(ids))
