"""RQ entry points of a campaign's sending: take ids, guard on status, safe to run twice."""

import secrets
from dataclasses import replace
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from pcrm.auth.models import User
from pcrm.campaigns.backoff import hold_campaign
from pcrm.campaigns.batches import (
    NOT_REACHABLE,
    Batch,
    TemporarySendError,
    email_recipients,
    still_reachable,
)
from pcrm.campaigns.holds import hold_now
from pcrm.campaigns.mailing import compile_campaign
from pcrm.campaigns.models import Campaign, CampaignStatus, CampaignWave
from pcrm.campaigns.progress import finish_if_done
from pcrm.campaigns.sms_batches import SmsBatch, sms_recipients
from pcrm.campaigns.templating import TemplateProblem
from pcrm.campaigns.texting import compile_sms
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.channels import ChannelDown, Refusal
from pcrm.messaging.ledger import Claimed, Ledger, open_ledger
from pcrm.messaging.mail import EmailChannel
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import BULK
from pcrm.subscribers.masking import mask_email
from pcrm.subscribers.models import Channel

TEST_TOKEN = "test"  # noqa: S105  (a test e-mail's links lead nowhere: an unknown token 404s)


def send_batch(campaign_id: int, first_id: int, last_id: int) -> int:
    """Send the campaign's queued messages with ids in [first_id, last_id]; returns how many
    this run took on (none when it gave them back: a text that no longer compiles). Messages
    already claimed or finished are left alone, and nothing is claimed on a channel while the
    campaign waits for its relay (the reconciler queues the batch again). During quiet hours
    the batch's SMS (and reminder e-mails) stay queued and the batch runs again at their end."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status is not CampaignStatus.SENDING:
        return 0
    hold = hold_now(campaign, utcnow())
    if hold.everything:
        return 0
    ledger = open_ledger()
    taken: list[Claimed] = []
    try:
        taken = ledger.claim(campaign_id, first_id, last_id, hold.allowed)
        if taken and not _send_claimed(campaign, ledger, taken):
            taken = []
    finally:
        ledger.close()
        finish_if_done(campaign_id, probe=(last_id + 1, 2 * last_id + 1 - first_id))
        if hold.quiet_until is not None:
            _after_quiet_hours(campaign_id, first_id, last_id, hold.quiet_until)
    return len(taken)


def _send_claimed(campaign: Campaign, ledger: Ledger, claimed: list[Claimed]) -> bool:
    """Drop who is no longer reachable, then send the rest by channel and wave, each with its
    own text; TemporarySendError once all went when some wait for another try. False when a
    text does not compile: every message goes back to the queue and the campaign pauses.

    The texts are compiled first, while the campaign as loaded for this batch is current:
    each commit after it expires the row, and reading it again costs a query per access."""
    campaign_id = campaign.id
    keys = {(message.channel, message.wave) for message in claimed}
    try:
        compiled = {key: compile_content(campaign, *key) for key in keys}
    except TemplateProblem as problem:  # a text stored before today's rules: nobody's fault
        ledger.finish_many([m.id for m in claimed], MessageStatus.QUEUED, None)
        hold_campaign(campaign, reason=str(problem))
        return False
    reachable = still_reachable(campaign, claimed)
    ledger.finish_many(reachable.dropped, MessageStatus.SUPPRESSED, NOT_REACHABLE)
    groups: dict[tuple[Channel, int], list[Claimed]] = {}
    for message in reachable.kept:
        groups.setdefault((message.channel, message.wave), []).append(message)
    deferred = None
    for (channel, wave), messages in sorted(groups.items()):
        try:
            if channel is Channel.SMS:
                recipients = sms_recipients(messages, reachable.contacts)
                SmsBatch(campaign_id, ledger, compiled[channel, wave]).run(recipients)
            else:
                recipients = email_recipients(messages, reachable.contacts)
                Batch(campaign_id, ledger, recipients, compiled[channel, wave]).run()
        except TemporarySendError as error:
            deferred = error
    if deferred is not None:
        raise deferred
    return True


def compile_content(campaign: Campaign, channel: Channel, wave: int):
    """The campaign's text for one channel and wave, compiled; TemplateProblem if it cannot."""
    subject, body = campaign.sms_content() if channel is Channel.SMS else (None, None)
    if wave > 0:
        reminder = db.session.scalar(
            select(CampaignWave).where(
                CampaignWave.campaign_id == campaign.id, CampaignWave.number == wave
            )
        )
        if reminder is None:
            raise TemplateProblem(f"{wave}차 알림이 없습니다")
        subject, body = reminder.subject, reminder.body
    if channel is Channel.SMS:
        return compile_sms(campaign, subject=subject, body=body)
    return compile_campaign(campaign, subject=subject, body=body)


def _after_quiet_hours(campaign_id: int, first_id: int, last_id: int, at: datetime) -> None:
    """Queue the batch again for the end of the quiet hours if messages of it still wait."""
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.campaign_id == campaign_id,
            Message.id.between(first_id, last_id),
            Message.status == MessageStatus.QUEUED,
        )
    )
    db.session.commit()
    if waiting:
        queues.enqueue(
            send_batch,
            campaign_id,
            first_id,
            last_id,
            queue=BULK,
            at=at,
            job_id=f"pcrm-send-{campaign_id}-{first_id}-{last_id}-after-quiet-hours",
            timeout=current_app.config["CAMPAIGN_BATCH_TIMEOUT"],
        )


def send_test_email(campaign_id: int, staff_id: int, name: str) -> str:
    """Send the campaign as `name` would get it to an active staff member's own address;
    returns its Message-ID ("" when the campaign or the account is gone)."""
    campaign = db.session.get(Campaign, campaign_id)
    staff = db.session.get(User, staff_id)
    if campaign is None or staff is None or not staff.active:
        return ""
    compiled = compile_campaign(campaign)
    content = compiled.render(token=TEST_TOKEN, name=name)
    content = replace(content, subject=f"[테스트] {content.subject}")
    channel = EmailChannel(list_id=f"campaign-{campaign.id}")
    envelope = channel.build(
        message_id=f"test-{secrets.token_hex(8)}",
        token=TEST_TOKEN,
        to=staff.email,
        name=name,
        content=content,
        unsubscribe_url=compiled.patterns.one_click.format(token=TEST_TOKEN),
    )
    with channel.session() as session:
        outcome = session.send(envelope)
    if isinstance(outcome, Refusal):  # RQ retries; the staff member sees the job fail
        raise ChannelDown(f"{outcome.code} {outcome.reason}")
    current_app.logger.info(
        "test e-mail of campaign %s sent to staff #%s (%s)",
        campaign_id,
        staff.id,
        mask_email(staff.email),
    )
    return envelope.message_id
