"""Every figure of a campaign's report against the campaign of known counts (factories.py)."""

from datetime import date, datetime

import pytest

from pcrm.messaging.quiet_hours import SEOUL
from pcrm.reports import groups, metrics, timing, waves
from pcrm.subscribers.models import Channel
from tests.campaigns.factories import create_campaign
from tests.reports.factories import BODY, T0, T1, known_campaign


@pytest.fixture
def known(app):
    return known_campaign()


def test_funnel_counts_people_once_at_each_step(known):
    funnel = metrics.funnel(known.campaign.id)
    assert funnel == metrics.Funnel(
        targeted=10, sent=9, delivered=8, emailed=7, opened=4, clicked=3, started=5, responded=5
    )
    rates = {name: (rate.part, rate.whole) for name, rate in funnel.rates.items()}
    assert rates == {
        "delivery": (8, 9),
        "open": (4, 7),
        "click": (3, 8),
        "response": (5, 8),
        "response_targeted": (5, 10),
    }
    assert funnel.rates["response"].percent == "62.5%"


def test_aside_counts_what_went_wrong(known):
    assert metrics.aside(known.campaign.id) == metrics.Aside(
        bounced_hard=1,
        bounced_soft=1,
        failed=1,
        suppressed=1,
        unsubscribed=1,
        complaints=1,
        machine_opens=3,
        machine_only=1,
    )


def test_channels_count_messages(known):
    rows = {row.channel: row for row in metrics.channels(known.campaign.id)}
    assert rows[Channel.EMAIL] == metrics.ChannelRow(Channel.EMAIL, 10, 9, 7, 2, 4, 2, 2)
    assert rows[Channel.SMS] == metrics.ChannelRow(Channel.SMS, 6, 6, 5, 0, 0, 1, 3)
    assert rows[Channel.SMS].rates["response"].value == pytest.approx(3 / 5)


def test_waves_show_the_answers_after_each_reminder(known):
    first, reminder = waves.waves(known.campaign.id)
    assert (first.number, first.channel, first.started_at) == (0, Channel.EMAIL, T0)
    assert (first.people, first.sent, first.delivered, first.clicked) == (10, 9, 7, 2)
    assert (first.answered, first.answered_total) == (2, 2)
    assert (reminder.number, reminder.channel, reminder.started_at) == (1, Channel.SMS, T1)
    assert (reminder.people, reminder.sent, reminder.delivered, reminder.clicked) == (6, 6, 5, 1)
    assert (reminder.answered, reminder.answered_total) == (3, 5)
    assert (reminder.rates["uplift"].part, reminder.rates["uplift"].whole) == (3, 5)


def test_clicks_per_link(known):
    rows = timing.links(known.campaign.id, BODY)
    assert [(r.link_id, r.target, r.clicks, r.people, r.machine_clicks) for r in rows] == [
        (0, "", 4, 3, 0),
        (1, "https://www.sd.go.kr/bus", 1, 1, 1),
    ]


def test_time_to_answer(known):
    delays = timing.delays(known.campaign.id)
    assert delays.answered == 5
    assert delays.median_seconds == 7200  # of 30 min, 50 min, 2 h, 5 h, 2 days
    assert delays.buckets == [("1h", 2), ("6h", 2), ("1d", 0), ("3d", 1), ("7d", 0), ("more", 0)]


def test_median_of_an_even_count_is_the_middle_pair(app):
    known = known_campaign()
    from pcrm.extensions import db
    from pcrm.messaging.models import Message

    last = db.session.scalars(
        db.select(Message).where(Message.responded_at.is_not(None)).order_by(Message.id)
    ).all()[-1]
    last.responded_at = None  # the two-day answer: 30 min, 50 min, 2 h, 5 h remain
    db.session.commit()
    assert timing.delays(known.campaign.id).median_seconds == (3000 + 7200) / 2


def test_timeline_by_seoul_hour_and_day(known):
    line = timing.timeline(known.campaign.id)
    days = {moment.at.date(): moment for moment in line["days"]}
    # Opens 23:35-02:30 Seoul across 2 and 3 November; answers at 00:00 and 01:30 on the 3rd.
    assert (days[date(2026, 11, 2)].opens, days[date(2026, 11, 2)].answers) == (2, 0)
    assert (days[date(2026, 11, 3)].opens, days[date(2026, 11, 3)].answers) == (2, 2)
    assert sum(m.opens for m in line["days"]) == 4
    assert sum(m.clicks for m in line["days"]) == 3
    assert sum(m.answers for m in line["days"]) == 5
    assert [m.at.day for m in line["days"]] == list(range(2, 8))  # no gaps
    first_hour = line["hours"][0]
    assert first_hour.at == datetime(2026, 11, 2, 23, 0, tzinfo=SEOUL)
    assert (first_hour.opens, first_hour.clicks, first_hour.answers) == (2, 2, 0)
    assert len(line["hours"]) == timing.HOURS_SHOWN


def test_groups_by_the_recipients_own_attributes(known):
    found = groups.groups(known.campaign.id, today=date(2026, 11, 30))
    as_tuples = {
        dimension: [(r.key, r.targeted, r.delivered, r.responded) for r in rows]
        for dimension, rows in found.items()
    }
    assert as_tuples["gender"] == [("female", 3, 3, 3), ("male", 2, 2, 2), (None, 5, 3, 0)]
    assert as_tuples["age_band"] == [("30s", 2, 1, 1), ("60s", 1, 1, 1), (None, 7, 6, 3)]
    assert as_tuples["kind"] == [("business", 1, 1, 0), ("individual", 9, 7, 5)]
    assert as_tuples["field"] == [("culture", 1, 1, 1), ("survey", 10, 8, 5)]
    (dong, *in_dong), nowhere = as_tuples["dong"]
    assert dong and in_dong == [2, 2, 2] and nowhere == (None, 8, 6, 3)


def test_nothing_sent_yet_has_no_rate_and_no_error(app):
    campaign = create_campaign()
    funnel = metrics.funnel(campaign.id)
    assert funnel == metrics.Funnel(0, 0, 0, 0, 0, 0, 0, 0)
    assert all(rate.value is None and rate.percent == "–" for rate in funnel.rates.values())
    assert metrics.channels(campaign.id) == []
    assert waves.waves(campaign.id) == []
    assert timing.links(campaign.id, BODY) == []
    assert timing.delays(campaign.id).median_seconds is None
    assert timing.timeline(campaign.id) == {"hours": [], "days": []}
    assert all(rows == [] for rows in groups.groups(campaign.id).values())


def test_a_mixed_first_wave_names_no_single_channel(app):
    from pcrm.extensions import db
    from pcrm.messaging.models import Message, MessageStatus
    from tests.campaigns.factories import create_subscribers

    campaign = create_campaign()
    first, second = create_subscribers(2)
    for person, channel in ((first, Channel.EMAIL), (second, Channel.SMS)):
        db.session.add(Message(campaign_id=campaign.id, subscriber_id=person.id, channel=channel,
                               wave=0, status=MessageStatus.SENT, sent_at=T0))  # fmt: skip
    db.session.commit()
    (wave,) = waves.waves(campaign.id)
    assert (wave.channel, wave.people, wave.delivered) == (None, 2, 2)
