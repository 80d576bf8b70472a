"""A permanent refusal at send time goes through the policy; raw evidence is purged in time."""

from datetime import timedelta

from sqlalchemy import func, select

from pcrm.bounces.ingest import ingest
from pcrm.bounces.jobs import purge_raw_evidence
from pcrm.bounces.models import AddressBounce, InboundMail
from pcrm.bounces.refusals import kind_of_refusal
from pcrm.bounces.report import BounceKind
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.service import is_suppressed, suppress_address
from pcrm.subscribers.models import AddressStatus, Channel
from tests.bounces.returned import verp_dsn
from tests.campaigns.factories import (
    create_campaign,
    create_segment,
    create_texters,
    launched_campaign,
    send_all,
)


def test_a_permanent_refusal_at_send_time_suppresses_the_address(relay):
    relay.answers["resident1@example.com"] = "550 5.1.1 <resident1@example.com>: no such user"
    campaign, people = launched_campaign(3)
    send_all(campaign)
    assert is_suppressed("email", "resident1@example.com")
    assert people[1].email_status is AddressStatus.BOUNCED
    bounce = db.session.scalar(select(AddressBounce))
    assert (bounce.kind, bounce.status, bounce.source) == (BounceKind.HARD, "5.1.1", "smtp")
    assert "no such user" in bounce.diagnostic

    # The next campaign to the same people leaves the dead address out.
    create_campaign(
        segment=create_segment(),
        status=CampaignStatus.SCHEDULED,
        send_at=utcnow() - timedelta(seconds=1),
    )
    launch_due_campaigns()
    later = db.session.scalars(select(Message.address).where(Message.campaign_id != campaign.id))
    assert sorted(later) == ["resident0@example.com", "resident2@example.com"]


def test_refusals_about_us_or_a_full_mailbox_are_not_hard():
    assert kind_of_refusal("5.7.1 rejected by policy (SPF)") == (BounceKind.SOFT, "5.7.1")
    assert kind_of_refusal("552 5.2.2 mailbox full") == (BounceKind.SOFT, "5.2.2")
    assert kind_of_refusal("user unknown") == (BounceKind.HARD, "5.0.0")


def test_raw_evidence_is_purged_after_the_retention_period(app):
    launched_campaign(recipients=1)
    message = db.session.scalars(select(Message)).first()
    old = ingest(verp_dsn(message.token, message.address, "5.1.1"), source="test")
    recent = ingest(b"From: a@example.org\r\nSubject: Re: survey\r\n\r\nThanks\r\n", source="t")
    db.session.get(InboundMail, old.inbound_id).received_at = utcnow() - timedelta(days=91)
    db.session.commit()

    assert purge_raw_evidence() == 1
    assert purge_raw_evidence() == 0  # run twice: nothing more
    db.session.expire_all()
    purged, kept = (
        db.session.get(InboundMail, old.inbound_id),
        db.session.get(InboundMail, recent.inbound_id),
    )
    assert purged.raw is None and purged.purged_at is not None and purged.status == "5.1.1"
    assert kept.raw is not None and kept.purged_at is None


def test_an_address_suppressed_after_launch_is_not_sent_to(relay):
    campaign, _people = launched_campaign(3)
    first = db.session.scalars(select(Message).order_by(Message.id)).first()
    # Consent and address status stand: only the suppression list keeps it from going.
    suppress_address(address="Resident0@example.com", channel="email", reason="manual")
    send_all(campaign)
    assert "resident0@example.com" not in relay.recipients
    assert sorted(relay.recipients) == ["resident1@example.com", "resident2@example.com"]
    db.session.refresh(first)
    assert first.status is MessageStatus.SUPPRESSED


def test_the_same_returned_mail_twice_scores_once(app):
    launched_campaign(recipients=1)
    message = db.session.scalars(select(Message)).first()
    raw = verp_dsn(message.token, message.address, "4.2.2")
    ingest(raw, source="test")
    ingest(raw, source="test")
    assert db.session.scalar(select(func.count()).select_from(AddressBounce)) == 1


def test_a_phone_suppressed_after_launch_is_not_texted(daytime):
    texters = create_texters(2)
    campaign = create_campaign(
        segment=create_segment(),
        status=CampaignStatus.SCHEDULED,
        send_at=utcnow() - timedelta(seconds=1),
        channel=Channel.SMS,
    )
    launch_due_campaigns()
    suppress_address(address=texters[0].phone, channel="sms", reason="manual")
    send_all(campaign)
    statuses = dict(db.session.execute(select(Message.subscriber_id, Message.status)).all())
    assert statuses == {texters[0].id: MessageStatus.SUPPRESSED, texters[1].id: MessageStatus.SENT}
