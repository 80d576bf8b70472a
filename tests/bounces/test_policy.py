"""The bounce policy: hard bounces, scored soft bounces that fade, complaints, undo, launch."""

from datetime import timedelta

from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.bounces import policy, review
from pcrm.bounces.models import AddressReview, ReviewReason, ReviewState
from pcrm.bounces.report import BounceKind
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.service import is_suppressed, suppress_address
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent, ConsentSource
from tests.campaigns.factories import (
    create_campaign,
    create_segment,
    create_subscribers,
    create_texters,
    launched_campaign,
)
from tests.factories import create_user


def first_message() -> Message:
    return db.session.scalars(select(Message).order_by(Message.id)).first()


def soft_bounces(message: Message, days_ago: list[int]) -> list[str]:
    now = utcnow()
    return [
        policy.apply(
            message=message,
            kind=BounceKind.SOFT,
            status="4.2.2",
            source="test",
            now=now - timedelta(days=ago),
        )
        for ago in days_ago
    ]


def test_two_soft_bounces_leave_the_address_in_use(app):
    launched_campaign(recipients=1)
    message = first_message()
    assert soft_bounces(message, [3, 1]) == ["recorded", "recorded"]
    assert not is_suppressed("email", message.subscriber.email)
    assert message.subscriber.email_status is AddressStatus.VALID


def test_three_soft_bounces_within_thirty_days_suppress_it(app):
    launched_campaign(recipients=1)
    message = first_message()
    assert soft_bounces(message, [20, 10, 0]) == ["recorded", "recorded", "suppressed"]
    assert is_suppressed("email", message.subscriber.email)
    assert message.subscriber.email_status is AddressStatus.BOUNCED
    row = db.session.scalar(select(AddressReview))
    assert (row.state, row.reason) == (ReviewState.SUPPRESSED, ReviewReason.SOFT_BOUNCES)


def test_three_soft_bounces_spread_over_ninety_days_fade(app):
    launched_campaign(recipients=1)
    message = first_message()
    assert soft_bounces(message, [90, 45, 0]) == ["recorded"] * 3
    assert not is_suppressed("email", message.subscriber.email)


def test_a_hard_bounce_suppresses_at_once_and_says_so_in_the_ledger(app):
    launched_campaign(recipients=1)
    message = first_message()
    done = policy.apply(message=message, kind=BounceKind.HARD, status="5.1.1", source="test")
    assert done == "suppressed"
    assert is_suppressed("email", message.subscriber.email)
    entry = message.subscriber.consent_events[-1]
    assert entry.source is ConsentSource.BOUNCE_POLICY and "5.1.1" in entry.evidence
    assert entry.granted is True  # the consent itself stands: only the address is dead
    again = policy.apply(message=message, kind=BounceKind.HARD, status="5.1.1", source="test")
    assert again == "already suppressed"


def test_a_complaint_unsubscribes_from_all_email_and_undo_gives_it_back(app):
    launched_campaign(recipients=1)
    message = first_message()
    subscriber = message.subscriber
    consented_at = subscriber.email_consented_at
    policy.apply(message=message, kind=BounceKind.COMPLAINT, source="arf")
    assert subscriber.email_opt_in is False
    assert is_suppressed("email", subscriber.email)
    revoked = subscriber.consent_events[-1]
    assert (revoked.granted, revoked.channel, revoked.field_code) == (False, Channel.EMAIL, None)

    staff = create_user("pr@example.kr", Role.PR)
    row = db.session.scalar(select(AddressReview))
    assert review.restore(ids=[row.id], reason="오신고 확인(전화 통화)", user=staff) == 1
    assert review.restore(ids=[row.id], reason="두 번 누름", user=staff) == 0
    assert not is_suppressed("email", subscriber.email)
    assert subscriber.email_opt_in is True
    assert subscriber.email_consented_at == consented_at
    undo = subscriber.consent_events[-1]
    assert undo.granted and undo.actor_user_id == staff.id and "오신고" in undo.evidence


def test_undo_never_gives_back_consent_the_person_withdrew_themselves(app):
    launched_campaign(recipients=1)
    message = first_message()
    subscriber = message.subscriber
    policy.apply(message=message, kind=BounceKind.HARD, status="5.1.1", source="test")
    subscriber.email_opt_in = False  # they unsubscribed by themselves meanwhile
    db.session.commit()
    staff = create_user("pr@example.kr", Role.PR)
    row = db.session.scalar(select(AddressReview))
    review.restore(ids=[row.id], reason="주소 확인함", user=staff)
    assert subscriber.email_status is AddressStatus.VALID
    assert subscriber.email_opt_in is False
    assert not is_suppressed("email", subscriber.email)


def test_restore_needs_a_reason(app):
    launched_campaign(recipients=1)
    message = first_message()
    policy.apply(message=message, kind=BounceKind.HARD, status="5.1.1", source="test")
    staff = create_user("pr@example.kr", Role.PR)
    row = db.session.scalar(select(AddressReview))
    try:
        review.restore(ids=[row.id], reason="  ", user=staff)
    except Exception as error:
        assert "사유" in str(error)
    else:
        raise AssertionError("a restore without a reason was accepted")
    assert is_suppressed("email", message.subscriber.email)


def test_an_sms_failure_suppresses_the_phone(app):
    people = create_texters(1)
    create_campaign(
        segment=create_segment(),
        status=CampaignStatus.SCHEDULED,
        send_at=utcnow() - timedelta(seconds=1),
        channel=Channel.SMS,
    )
    launch_due_campaigns()
    message = first_message()
    assert message.channel is Channel.SMS
    policy.apply(message=message, kind=BounceKind.HARD, status="3018", source="sens")
    assert is_suppressed("sms", people[0].phone)
    assert people[0].phone_status is AddressStatus.BOUNCED


def test_launch_skips_suppressed_addresses_on_both_channels(app):
    email_people = create_subscribers(2, prefix="mail")
    texters = create_texters(2)
    suppress_address(address=email_people[0].email.upper(), channel="email", reason="manual")
    suppress_address(address=texters[0].phone, channel="sms", reason="manual")
    for channel in (Channel.EMAIL, Channel.SMS):
        create_campaign(
            segment=create_segment(),
            status=CampaignStatus.SCHEDULED,
            send_at=utcnow() - timedelta(seconds=1),
            channel=channel,
        )
    launch_due_campaigns()
    reached = {m.subscriber_id for m in db.session.scalars(select(Message))}
    assert reached == {email_people[1].id, texters[1].id}


def test_every_policy_action_is_in_the_ledger(app):
    launched_campaign(recipients=1)
    message = first_message()
    soft_bounces(message, [2, 1, 0])
    entries = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.source == ConsentSource.BOUNCE_POLICY)
    ).all()
    assert len(entries) == 1 and "3" in entries[0].evidence


def test_a_soft_failure_of_a_message_waiting_for_a_retry_leaves_it_queued(app):
    launched_campaign(recipients=1)
    message = first_message()
    assert message.status is MessageStatus.QUEUED
    policy.apply(message=message, kind=BounceKind.SOFT, status="4.2.2", source="sens")
    assert message.status is MessageStatus.QUEUED
    assert soft_bounces(message, [1, 0]) == ["recorded", "suppressed"]  # it still counts
