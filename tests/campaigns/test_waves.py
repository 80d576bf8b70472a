"""Reminder waves: only to those who got the campaign and have not answered or opted out since,
reachable on the wave's channel now; once; never in quiet hours."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import Campaign, CampaignStatus, CampaignWave, WaveStatus
from pcrm.campaigns.progress import funnel
from pcrm.campaigns.waves import answered_after, materialise_due_waves
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.service import record_response
from pcrm.subscribers.models import AddressStatus, Channel, ConsentSource, Subscriber
from pcrm.tracking.service import unsubscribe
from tests.campaigns.conftest import quiet_around_now
from tests.campaigns.factories import due_campaign, send_all

pytestmark = pytest.mark.usefixtures("daytime")
REMINDER = "{{ name }}님, 아직 설문에 답하지 않으셨다면 참여해 주세요 {{ survey_link }}"


def launched(count: int, relay) -> tuple[Campaign, list[Subscriber]]:
    """An e-mail survey campaign sent to `count` people who also have a phone for texts."""
    campaign, people = due_campaign(count)
    for n, person in enumerate(people):
        person.phone, person.phone_status = f"+82107777{n:04d}", AddressStatus.VALID
        person.sms_opt_in, person.sms_consented_at = True, utcnow()
    db.session.commit()
    launch_due_campaigns()
    send_all(campaign)
    return campaign, people


def add_wave(campaign, number=1, channel=Channel.EMAIL, after_days=1) -> CampaignWave:
    wave = CampaignWave(
        campaign_id=campaign.id,
        number=number,
        channel=channel,
        after_days=after_days,
        subject="[알림] {{ name }}님께 마을버스 설문",
        body=REMINDER,
    )
    db.session.add(wave)
    db.session.commit()
    return wave


def day_after(campaign, days=1):
    db.session.refresh(campaign)
    return campaign.launched_at + timedelta(days=days, minutes=1)


def message_of(campaign, person, wave=0) -> Message | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Message).where(
            Message.campaign_id == campaign.id,
            Message.subscriber_id == person.id,
            Message.wave == wave,
        )
    )


def wave_people(campaign, wave) -> set[int]:
    db.session.expire_all()
    query = select(Message.subscriber_id).where(
        Message.campaign_id == campaign.id, Message.wave == wave
    )
    return set(db.session.scalars(query))


def test_a_reminder_never_reaches_a_respondent_an_unsubscribed_or_an_unreached_person(relay):
    campaign, (answered, left, bounced, waiting) = launched(4, relay)
    record_response(message_of(campaign, answered))
    db.session.commit()
    unsubscribe(
        message_of(campaign, left).token, scope="all", source=ConsentSource.UNSUBSCRIBE_LINK
    )
    db.session.execute(
        update(Message)
        .where(Message.id == message_of(campaign, bounced).id)
        .values(status=MessageStatus.BOUNCED_HARD)
    )
    db.session.commit()
    add_wave(campaign)

    assert materialise_due_waves(now=day_after(campaign, 0)) == 0  # not yet due
    assert materialise_due_waves(now=day_after(campaign)) == 1
    assert wave_people(campaign, 1) == {waiting.id}
    assert materialise_due_waves(now=day_after(campaign, 2)) == 0  # once
    relay.received.clear()
    assert send_all(campaign) == 1
    (reminder,) = [m for m in db.session.scalars(select(Message).where(Message.wave == 1))]
    assert (reminder.channel, reminder.status) == (Channel.EMAIL, MessageStatus.SENT)
    (_sender, rcpt, mail, _at) = relay.received[0]
    assert rcpt == waiting.email
    assert mail["Subject"] == f"[알림] {waiting.name}님께 마을버스 설문"
    assert send_all(campaign) == 0
    assert db.session.get(Campaign, campaign.id).status is CampaignStatus.SENT


def test_running_the_wave_job_twice_adds_nothing_new(relay):
    campaign, _people = launched(3, relay)
    add_wave(campaign)
    now = day_after(campaign)
    assert materialise_due_waves(now=now) == 3
    assert materialise_due_waves(now=now) == 0
    assert len(wave_people(campaign, 1)) == 3
    wave = db.session.scalar(select(CampaignWave))
    assert (wave.status, wave.materialised_at is not None) == (WaveStatus.SENT, True)


def test_an_answer_arriving_while_the_wave_is_sending_stops_that_persons_reminder(relay):
    campaign, (quick, slow) = launched(2, relay)
    add_wave(campaign)
    materialise_due_waves(now=day_after(campaign))
    record_response(message_of(campaign, quick))  # answers before the batch gets to them
    db.session.commit()
    send_all(campaign)
    assert message_of(campaign, quick, wave=1).status is MessageStatus.SUPPRESSED
    assert message_of(campaign, slow, wave=1).status is MessageStatus.SENT
    assert answered_after(campaign, 1) == 0


def test_an_sms_reminder_waits_out_the_quiet_hours(app, relay):
    campaign, people = launched(2, relay)
    add_wave(campaign, channel=Channel.SMS)
    quiet_around_now(app, before=1, after=2)
    assert materialise_due_waves(now=day_after(campaign)) == 2
    assert send_all(campaign) == 0
    assert {message_of(campaign, p, 1).status for p in people} == {MessageStatus.QUEUED}
    app.config.update(SMS_QUIET_START="00:00", SMS_QUIET_END="00:00")
    assert send_all(campaign) == 2
    reminders = [message_of(campaign, p, 1) for p in people]
    assert {(m.channel, m.wave, m.status) for m in reminders} == {
        (Channel.SMS, 1, MessageStatus.SENT)
    }
    assert sorted(m.address for m in reminders) == sorted(p.phone for p in people)


@pytest.mark.parametrize("reason", ["withdrew", "no_phone"])
def test_an_sms_reminder_skips_who_cannot_be_texted_now(relay, reason):
    campaign, (person, other) = launched(2, relay)
    values = {"sms_opt_in": False} if reason == "withdrew" else {"phone": None}
    db.session.execute(update(Subscriber).where(Subscriber.id == person.id).values(**values))
    db.session.commit()
    add_wave(campaign, channel=Channel.SMS)
    materialise_due_waves(now=day_after(campaign))
    assert wave_people(campaign, 1) == {other.id}


def test_the_e_mail_funnel_does_not_count_texts_as_mail_that_was_never_opened(app, relay):
    campaign, _people = launched(2, relay)
    before = funnel(campaign.id)
    add_wave(campaign, channel=Channel.SMS)
    app.config.update(SMS_QUIET_START="00:00", SMS_QUIET_END="00:00")
    materialise_due_waves(now=day_after(campaign))
    assert send_all(campaign) == 2
    assert funnel(campaign.id) == before and before.delivered == 2
