"""SMS delivery results: polled from SENS (the fake server) or the outbox, applied once each;
a dead number goes through the bounce policy, a phone that is off is texted again later."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from pcrm.campaigns.delivery import poll_delivery_results
from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, MessageStatus, Suppression
from pcrm.messaging.sens_format import domestic_number
from pcrm.subscribers.models import AddressStatus, Channel
from tests.campaigns.factories import send_all
from tests.campaigns.test_sms_sending import launch_sms, messages

pytestmark = pytest.mark.usefixtures("daytime")
LATER = timedelta(days=1)


def by_person(campaign) -> dict[int, object]:
    return {m.subscriber_id: m for m in messages(campaign)}


def test_results_end_each_text_delivered_or_failed_with_the_reason_once(app, sens):
    campaign, (fine, dead, off) = launch_sms(3)
    sens.dead_numbers.add(domestic_number(dead.phone))
    sens.unreachable[domestic_number(off.phone)] = 1
    send_all(campaign)

    assert poll_delivery_results() == 3
    sent = by_person(campaign)
    assert sent[fine.id].status is MessageStatus.DELIVERED and sent[fine.id].delivered_at
    assert sent[dead.id].status is MessageStatus.BOUNCED_HARD
    assert sent[dead.id].last_error == "없는 번호(결번)이거나 정지된 번호입니다"
    db.session.refresh(dead)
    assert dead.phone_status is AddressStatus.BOUNCED
    assert (
        db.session.scalar(
            select(Suppression.source).where(
                Suppression.address == dead.phone, Suppression.channel == Channel.SMS
            )
        )
        == "sens"
    )
    assert sent[off.id].status is MessageStatus.BOUNCED_SOFT
    assert "꺼져 있거나" in sent[off.id].last_error
    assert poll_delivery_results() == 0  # read again: nothing changes
    assert len(sens.send_requests) == 1  # and nothing is sent before the wait is over


def test_a_phone_that_was_off_is_texted_again_after_the_wait_and_then_delivered(app, sens):
    campaign, (off,) = launch_sms(1)
    sens.unreachable[domestic_number(off.phone)] = 1
    send_all(campaign)
    poll_delivery_results()
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT

    poll_delivery_results(now=utcnow() + LATER)  # the wait is over: back in the queue
    (message,) = messages(campaign)
    assert message.status is MessageStatus.QUEUED
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENDING
    send_all(campaign)
    assert sens.accepted_to == [domestic_number(off.phone)] * 2

    assert poll_delivery_results() == 1
    (message,) = messages(campaign)
    assert message.status is MessageStatus.DELIVERED and message.attempts == 2


def test_a_phone_off_every_time_fails_after_the_retries_with_the_reason(app, sens):
    app.config["SMS_RESULT_RETRIES"] = 1
    campaign, (off,) = launch_sms(1)
    sens.unreachable[domestic_number(off.phone)] = 5
    send_all(campaign)
    poll_delivery_results()
    poll_delivery_results(now=utcnow() + LATER)
    send_all(campaign)
    poll_delivery_results()
    poll_delivery_results(now=utcnow() + LATER)

    (message,) = messages(campaign)
    assert message.status is MessageStatus.FAILED
    assert message.last_error.startswith("2회 보냈으나 전달되지 않았습니다: 휴대전화가 꺼져")
    assert len(sens.send_requests) == 2


def test_an_outage_while_polling_loses_nothing_and_sends_nothing(app, sens):
    campaign, _people = launch_sms(2)
    send_all(campaign)
    sens.down = True

    assert poll_delivery_results() == 0
    assert {m.status for m in messages(campaign)} == {MessageStatus.SENT}

    sens.down = False
    assert poll_delivery_results() == 2
    assert {m.status for m in messages(campaign)} == {MessageStatus.DELIVERED}
    assert len(sens.send_requests) == 1
    events = db.session.scalars(select(Event.detail).where(Event.kind == EventKind.DELIVERY))
    assert list(events) == ["delivered", "delivered"]


def test_a_text_still_on_its_way_stays_sent_until_its_result_comes(app, sens):
    campaign, (person,) = launch_sms(1)
    sens.processing.add(domestic_number(person.phone))
    send_all(campaign)

    assert poll_delivery_results() == 0
    sens.processing.clear()
    assert poll_delivery_results() == 1


def test_the_outbox_reports_what_it_kept_as_delivered(app):
    campaign, _people = launch_sms(2)
    send_all(campaign)

    assert poll_delivery_results() == 2
    assert {m.status for m in messages(campaign)} == {MessageStatus.DELIVERED}
