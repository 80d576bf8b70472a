from datetime import timedelta

from sqlalchemy import func, select, update

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.launch import batch_job_id, batch_ranges, materialise
from pcrm.campaigns.models import CampaignKind, CampaignStatus
from pcrm.campaigns.progress import audience_count, finish_if_done
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus, SuppressionReason
from pcrm.messaging.service import suppress_address
from pcrm.queue import BULK
from pcrm.subscribers.models import AddressStatus, Subscriber
from tests.campaigns.factories import create_campaign, create_segment, create_subscribers


def _recipients(campaign) -> set[str]:
    rows = db.session.scalars(
        select(Subscriber.email)
        .join(Message, Message.subscriber_id == Subscriber.id)
        .where(Message.campaign_id == campaign.id)
    )
    return set(rows)


def test_launch_reaches_only_consented_valid_unsuppressed_addresses_of_the_field(app):
    create_subscribers(2, prefix="ok")
    create_subscribers(1, prefix="noconsent", email_opt_in=False)
    create_subscribers(1, prefix="otherfield", fields=("culture",))
    create_subscribers(1, prefix="bounced", email_status=AddressStatus.BOUNCED)
    create_subscribers(1, prefix="suppressed")
    suppress_address(
        address="SUPPRESSED0@example.com",
        channel="email",
        reason=SuppressionReason.HARD_BOUNCE,
        source="test",
    )
    campaign = create_campaign(
        segment=create_segment(), status=CampaignStatus.SCHEDULED, send_at=utcnow()
    )
    assert audience_count(campaign) == 2
    assert launch_due_campaigns() == 1
    assert _recipients(campaign) == {"ok0@example.com", "ok1@example.com"}
    assert campaign.status is CampaignStatus.SENDING
    assert all(len(m.token) == 24 for m in db.session.scalars(select(Message)))


def test_promotional_campaigns_need_consent_under_two_years_old(app):
    create_subscribers(1, prefix="recent", fields=("culture",), consented_days_ago=300)
    create_subscribers(1, prefix="old", fields=("culture",), consented_days_ago=3 * 365)
    segment = create_segment()
    promo = create_campaign(
        segment=segment,
        kind=CampaignKind.PROMOTIONAL,
        field_code="culture",
        subject="(광고) 축제",
        status=CampaignStatus.SENDING,
    )
    info = create_campaign(
        segment=segment,
        kind=CampaignKind.INFORMATION,
        field_code="culture",
        status=CampaignStatus.SENDING,
    )
    materialise(promo)
    materialise(info)
    db.session.commit()
    assert _recipients(promo) == {"recent0@example.com"}
    assert _recipients(info) == {"recent0@example.com", "old0@example.com"}


def test_segment_criteria_narrow_the_audience(app):
    people = create_subscribers(3)
    people[0].kind = "business"
    db.session.commit()
    campaign = create_campaign(
        segment=create_segment({"kinds": ["business"]}), status=CampaignStatus.SENDING
    )
    materialise(campaign)
    assert _recipients(campaign) == {"resident0@example.com"}


def test_a_second_launch_adds_nothing(app):
    create_subscribers(5)
    campaign = create_campaign(segment=create_segment(), status=CampaignStatus.SENDING)
    assert materialise(campaign) == 5
    db.session.commit()
    assert materialise(campaign) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count(Message.id))) == 5


def test_launch_queues_one_batch_job_per_id_range(app):
    app.config["CAMPAIGN_BATCH_SIZE"] = 4
    try:
        create_subscribers(10)
        campaign = create_campaign(
            segment=create_segment(),
            status=CampaignStatus.SCHEDULED,
            send_at=utcnow() - timedelta(seconds=5),
        )
        launch_due_campaigns()
        ranges = batch_ranges(campaign.id)
        ids = sorted(db.session.scalars(select(Message.id)))
        covered = [i for first, last in ranges for i in ids if first <= i <= last]
        assert sorted(covered) == ids and all(last - first == 3 for first, last in ranges)
        queued = set(queues.get(BULK).job_ids)
        assert queued == {batch_job_id(campaign.id, *r) for r in ranges}
        assert {m.status for m in db.session.scalars(select(Message))} == {MessageStatus.QUEUED}
    finally:
        app.config["CAMPAIGN_BATCH_SIZE"] = 250


def test_a_campaign_with_nobody_to_reach_is_sent_at_once(app):
    campaign = create_campaign(
        segment=create_segment(), status=CampaignStatus.SCHEDULED, send_at=utcnow()
    )
    launch_due_campaigns()
    assert campaign.status is CampaignStatus.SENT


def test_a_campaign_is_sent_once_nothing_is_left_in_or_beyond_the_probed_range(app):
    create_subscribers(6)
    campaign = create_campaign(
        segment=create_segment(), status=CampaignStatus.SCHEDULED, send_at=utcnow()
    )
    launch_due_campaigns()
    ids = sorted(db.session.scalars(select(Message.id)))

    def sent_all_but(*left: int) -> None:
        db.session.execute(
            update(Message)
            .where(Message.id.not_in(left))
            .values(status=MessageStatus.SENT)
            .execution_options(synchronize_session=False)
        )

    # One message still queued outside the probed range: the campaign-wide check finds it.
    sent_all_but(ids[0])
    assert not finish_if_done(campaign.id, probe=(ids[3], ids[5]))
    # One still sending inside it: found by the probe.
    sent_all_but(ids[4])
    db.session.execute(
        update(Message).where(Message.id == ids[4]).values(status=MessageStatus.SENDING)
    )
    assert not finish_if_done(campaign.id, probe=(ids[3], ids[5]))
    sent_all_but()
    assert finish_if_done(campaign.id, probe=(ids[3], ids[5]))
    assert db.session.get(type(campaign), campaign.id).status is CampaignStatus.SENT
