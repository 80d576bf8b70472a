"""RQ entry points of a campaign's sending: take ids, guard on status, safe to run twice."""

import secrets
from dataclasses import replace

from flask import current_app

from pcrm.auth.models import User
from pcrm.campaigns.backoff import hold_campaign, waiting_until
from pcrm.campaigns.batches import NOT_REACHABLE, Batch, recipients_of
from pcrm.campaigns.mailing import compile_campaign
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import finish_if_done
from pcrm.campaigns.templating import TemplateProblem
from pcrm.extensions import db
from pcrm.messaging.channels import ChannelDown, Refusal
from pcrm.messaging.ledger import open_ledger
from pcrm.messaging.mail import EmailChannel
from pcrm.messaging.models import MessageStatus
from pcrm.subscribers.masking import mask_email

TEST_TOKEN = "test"  # noqa: S105  (a test e-mail's links lead nowhere: an unknown token 404s)


def send_batch(campaign_id: int, first_id: int, last_id: int) -> int:
    """Send the campaign's queued messages with ids in [first_id, last_id]; returns how many
    this run claimed. Messages already claimed or finished are left alone, and nothing is
    claimed while the campaign waits for the relay (the reconciler queues the batch again)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status is not CampaignStatus.SENDING:
        return 0
    if waiting_until(campaign_id):
        return 0
    try:
        compiled = compile_campaign(campaign)
    except TemplateProblem as problem:  # stored before today's template rules: nobody's fault
        hold_campaign(campaign, reason=str(problem))
        return 0
    ledger = open_ledger()
    try:
        claimed = ledger.claim(campaign_id, first_id, last_id)
        if claimed:
            recipients, dropped = recipients_of(campaign, claimed)
            ledger.finish_many(dropped, MessageStatus.SUPPRESSED, NOT_REACHABLE)
            Batch(campaign, ledger, recipients, compiled).run()
    finally:
        ledger.close()
        finish_if_done(campaign_id)
    return len(claimed)


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
