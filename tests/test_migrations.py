"""The committed migrations build exactly the models' schema, and undo it, on the test engine."""

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus, SmsRequest
from pcrm.schema import for_dialect, pending_revisions
from pcrm.subscribers.models import Channel
from tests.campaigns.factories import create_campaign, create_subscribers, create_texters


def schema_differences() -> list:
    """What autogenerate would change to make the database match the models."""
    with db.engine.connect() as connection:
        include = for_dialect(connection.dialect.name)
        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, db.metadata)


def test_downgrade_to_base_then_upgrade_matches_the_models(app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert pending_revisions()

    upgrade()
    assert not pending_revisions()
    assert schema_differences() == []


def test_0025_groups_the_texts_awaiting_a_result_or_a_retry_into_their_requests(app):
    campaign = create_campaign(status=CampaignStatus.SENT, channel=Channel.SMS)
    sent_at = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    texts = [("R1", MessageStatus.SENT), ("R1", MessageStatus.DELIVERED),
             ("R1", MessageStatus.BOUNCED_SOFT), ("R2", MessageStatus.DELIVERED),
             ("R3", MessageStatus.QUEUED), (None, MessageStatus.SENT)]  # fmt: skip
    people = create_texters(len(texts))
    messages = [
        Message(campaign_id=campaign.id, subscriber_id=person.id, channel=Channel.SMS,
                status=status, provider_id=request, address=person.phone, sent_at=sent_at)
        for person, (request, status) in zip(people, texts, strict=True)
    ]  # fmt: skip
    (reader,) = create_subscribers(1)
    messages.append(
        Message(campaign_id=campaign.id, subscriber_id=reader.id, channel=Channel.EMAIL,
                status=MessageStatus.SENT, provider_id="<m1@pcrm>", sent_at=sent_at)
    )  # fmt: skip
    db.session.add_all(messages)
    db.session.commit()
    ids = [m.id for m in messages]

    downgrade(revision="0024")
    upgrade()

    found = db.session.scalars(select(SmsRequest).order_by(SmsRequest.request_id)).all()
    assert [(r.request_id, sorted(r.message_ids)) for r in found] == [
        ("R1", [ids[0], ids[2]]),  # the delivered one is done
        ("R3", [ids[4]]),  # sent under R3, in the queue again after a temporary failure
    ]
    assert {(r.campaign_id, r.sent_at, r.settled_at) for r in found} == {
        (campaign.id, sent_at, None)
    }


def test_the_reference_categories_are_seeded(app):
    from pcrm.reference import reference
    from pcrm.subscribers.models import BusinessType, Dong, InterestField

    ref = reference()
    assert _count(InterestField) == len(ref["interest_fields"]) == 11
    assert _count(BusinessType) == len(ref["business_types"]) == 12
    assert _count(Dong) == len(ref["dongs"]) == 17


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))
