"""SMS reminders end to end: real RQ workers (subprocesses), a real SMTP server and the fake
SENS server; delivery results polled, a dead number and a phone that was off, and a reply that
opts out before the next wave."""

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from pcrm.campaigns.delivery import poll_delivery_results
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import Campaign, CampaignStatus, CampaignWave
from pcrm.campaigns.waves import materialise_due_waves
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.sens_format import domestic_number
from pcrm.messaging.service import is_suppressed, record_response
from pcrm.replies.callbacks import signature
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent, ConsentSource
from tests.campaigns.factories import due_campaign
from tests.campaigns.workers import Workers, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("daytime")]
SECRET = "e2e-callback-secret"


@pytest.fixture
def workers(app, database_url, redis_url, relay, sens, monkeypatch):
    """Workers sending e-mail to the relay and SMS to the fake SENS, at any hour."""
    for key, value in {"CAMPAIGN_BATCH_SIZE": 5, "SMS_CALLBACK_SECRET": SECRET}.items():
        monkeypatch.setitem(app.config, key, value)
    env = os.environ | {
        "PCRM_ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret", "BASE_URL": app.config["BASE_URL"],
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "CAMPAIGN_BATCH_SIZE": "5", "CAMPAIGN_RETRY_INTERVALS": "1,1,1,2,2,2",
        "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00",
        "SMS_OPT_OUT_LINE": app.config["SMS_OPT_OUT_LINE"],
        **{key: str(app.config[key]) for key in (
            "SMS_PROVIDER", "SENS_ACCESS_KEY", "SENS_SECRET_KEY", "SENS_SERVICE_ID", "SENS_FROM",
            "SENS_BASE_URL", "SENS_MAX_ATTEMPTS",
        )},
    }  # fmt: skip
    pool = Workers(env)
    pool.start(2)
    yield pool
    pool.stop_all()


def _sent(campaign_id: int) -> bool:
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    db.session.commit()
    return status is CampaignStatus.SENT


def _wave(campaign_id: int, wave: int) -> dict[int, Message]:
    db.session.expire_all()
    query = select(Message).where(Message.campaign_id == campaign_id, Message.wave == wave)
    return {m.subscriber_id: m for m in db.session.scalars(query)}


def _reply(client, phone: str, text: str):
    body = json.dumps(
        {"replies": [{"from": phone, "text": text, "receivedAt": utcnow().isoformat()}]}
    ).encode()
    headers = {"X-PCRM-Signature": signature(SECRET, body), "Content-Type": "application/json"}
    return client.post("/sms/callbacks/replies", data=body, headers=headers)


def test_an_email_wave_then_sms_to_non_respondents_with_results_and_an_opt_out_reply(
    app, client, sens, relay, workers
):
    campaign, people = due_campaign(5)
    answered, dead, off, fine, opts_out = people
    for n, person in enumerate(people):
        person.phone, person.phone_status = f"+82106666{n:04d}", AddressStatus.VALID
        person.sms_opt_in, person.sms_consented_at = True, person.email_consented_at
    for number, days in ((1, 1), (2, 2)):
        db.session.add(
            CampaignWave(
                campaign_id=campaign.id, number=number, channel=Channel.SMS, after_days=days,
                subject="[알림] 마을버스 설문", body="{{ name }}님, 설문 {{ survey_link }}",
            )
        )  # fmt: skip
    db.session.commit()
    sens.dead_numbers.add(domestic_number(dead.phone))
    sens.unreachable[domestic_number(off.phone)] = 1
    launch_due_campaigns()
    wait_for(lambda: _sent(campaign.id), timeout=60)
    assert sorted(relay.recipients) == sorted(p.email for p in people)
    launched_at = db.session.get(Campaign, campaign.id).launched_at
    record_response(_wave(campaign.id, 0)[answered.id])
    db.session.commit()

    # A day later (the clock moved): the SMS wave goes to the four who have not answered.
    assert materialise_due_waves(now=launched_at + timedelta(days=1, minutes=1)) == 4
    wait_for(lambda: _sent(campaign.id), timeout=60)
    assert sorted(sens.accepted_to) == sorted(domestic_number(p.phone) for p in people[1:])

    # Delivery results: the dead number is failed and suppressed, the phone that was off waits.
    assert poll_delivery_results() == 4
    texts = _wave(campaign.id, 1)
    assert texts[fine.id].status is MessageStatus.DELIVERED
    assert texts[dead.id].status is MessageStatus.BOUNCED_HARD
    assert texts[dead.id].last_error == "없는 번호(결번)이거나 정지된 번호입니다"
    db.session.refresh(dead)
    assert dead.phone_status is AddressStatus.BOUNCED and is_suppressed(Channel.SMS, dead.phone)
    assert texts[off.id].status is MessageStatus.BOUNCED_SOFT

    # After the wait the workers text the phone that was off again; then it is delivered.
    poll_delivery_results(now=utcnow() + timedelta(hours=2))
    wait_for(lambda: _sent(campaign.id), timeout=60)
    assert sens.accepted_to.count(domestic_number(off.phone)) == 2
    assert poll_delivery_results() == 1
    assert _wave(campaign.id, 1)[off.id].status is MessageStatus.DELIVERED

    # A resident replies "수신거부": SMS consent ends at once, in the ledger.
    assert _reply(client, "010-6666-0004", "수신거부").json == {"kept": 1, "opt_outs": 1}
    db.session.refresh(opts_out)
    assert not opts_out.sms_opt_in
    (event,) = db.session.scalars(
        select(ConsentEvent).where(
            ConsentEvent.subscriber_id == opts_out.id, ConsentEvent.channel == Channel.SMS
        )
    ).all()
    assert event.source is ConsentSource.SMS_REPLY and not event.granted
    assert _wave(campaign.id, 1)[opts_out.id].unsubscribed_at is not None  # counted as such

    # The next wave skips the respondent, the dead number and the one who opted out.
    assert materialise_due_waves(now=launched_at + timedelta(days=2, minutes=1)) == 2
    wait_for(lambda: _sent(campaign.id), timeout=60)
    assert set(_wave(campaign.id, 2)) == {off.id, fine.id}
    assert {m.status for m in _wave(campaign.id, 2).values()} == {MessageStatus.SENT}
    assert domestic_number(opts_out.phone) not in sens.accepted_to[-2:]
