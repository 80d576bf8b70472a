"""SMS delivery results by provider request: each result finds its text among its request's
(by number), a request with nothing left to await is settled and never asked about again, and
no lookup on the way reads the whole message table."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, select, update

from pcrm.campaigns.delivery import apply_result, awaiting_results, poll_delivery_results
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.channels import DeliveryResult
from pcrm.messaging.ledger import ClaimLost, open_ledger
from pcrm.messaging.models import Message, MessageStatus, SmsRequest
from pcrm.messaging.sens_format import domestic_number
from tests.campaigns.factories import send_all
from tests.campaigns.test_sms_sending import launch_sms, messages

pytestmark = pytest.mark.usefixtures("daytime")
LATER = timedelta(days=1)


def requests() -> list[SmsRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsRequest).order_by(SmsRequest.sent_at)))


def test_a_provider_call_records_its_request_with_the_ids_of_its_texts(app, sens):
    campaign, _people = launch_sms(3)
    send_all(campaign)

    (request,) = requests()
    texts = messages(campaign)
    assert {m.provider_id for m in texts} == {request.request_id}  # one SENS request, 3 texts
    assert sorted(request.message_ids) == [m.id for m in texts]
    assert (request.campaign_id, request.settled_at) == (campaign.id, None)
    assert awaiting_results(utcnow()) == [request.request_id]


def test_a_request_whose_texts_were_not_recorded_sent_under_it_simply_settles(app):
    campaign, _people = launch_sms(2)
    ledger = open_ledger()
    try:
        claimed = ledger.claim(campaign.id, 1, 10**6)
        # The reconciler took the texts back in between (the batch looked dead).
        ledger.finish_many([c.id for c in claimed], MessageStatus.QUEUED, None)
        sent = [(c.id, "+821055550000", "RSSA-1") for c in claimed]
        for _twice in range(2):  # written again, the request stays as it was
            with pytest.raises(ClaimLost):
                ledger.sent_many(sent, campaign_id=campaign.id)
    finally:
        ledger.close()
    (request,) = requests()
    assert sorted(request.message_ids) == [c.id for c in claimed]

    assert poll_delivery_results() == 0
    (request,) = requests()
    assert request.settled_at is not None
    assert {m.status for m in messages(campaign)} == {MessageStatus.QUEUED}


def test_a_pushed_result_names_the_number_it_is_for_among_the_request(app, sens):
    campaign, people = launch_sms(3)
    send_all(campaign)
    request_id = requests()[0].request_id
    second = people[1]

    assert apply_result(DeliveryResult(request_id, delivered=True, to=second.phone))
    assert not apply_result(DeliveryResult(request_id, delivered=True, to=second.phone))
    assert not apply_result(DeliveryResult("RSSA-unknown", delivered=True, to=second.phone))
    delivered = [m.subscriber_id for m in messages(campaign) if m.status is MessageStatus.DELIVERED]
    assert delivered == [second.id]


def test_a_request_is_settled_once_every_text_is_final_and_is_not_asked_about_again(app, sens):
    campaign, (_done, on_its_way) = launch_sms(2)
    sens.processing.add(domestic_number(on_its_way.phone))
    send_all(campaign)

    assert poll_delivery_results() == 1
    (request,) = requests()
    assert request.settled_at is None  # one text still on its way
    sens.processing.clear()
    assert poll_delivery_results() == 1
    (request,) = requests()
    assert request.settled_at is not None
    assert awaiting_results(utcnow()) == []
    sens.down = True  # asked again, it would log a warning and apply nothing; it is not asked
    assert poll_delivery_results() == 0
    assert {m.status for m in messages(campaign)} == {MessageStatus.DELIVERED}


def test_a_retry_is_found_through_its_request_which_settles_once_the_text_goes_again(app, sens):
    campaign, (_fine, off) = launch_sms(2)
    sens.unreachable[domestic_number(off.phone)] = 1
    send_all(campaign)
    poll_delivery_results()
    (first,) = requests()
    assert first.settled_at is None  # the phone that was off waits for another try

    poll_delivery_results(now=utcnow() + LATER)
    send_all(campaign)
    first, again = requests()
    assert again.message_ids == [m.id for m in messages(campaign) if m.subscriber_id == off.id]
    # The old request's result for that number does not reach the text sent again.
    stale = DeliveryResult(first.request_id, delivered=False, reason="x", to=off.phone)
    assert not apply_result(stale)

    assert poll_delivery_results() == 1
    assert {m.status for m in messages(campaign)} == {MessageStatus.DELIVERED}
    assert all(r.settled_at for r in requests())
    assert sens.accepted_to.count(domestic_number(off.phone)) == 2


def test_past_the_poll_window_a_request_is_settled_unasked_but_not_while_a_retry_waits(app, sens):
    campaign, (quiet, off) = launch_sms(2)
    sens.processing.add(domestic_number(quiet.phone))  # its result never comes
    sens.unreachable[domestic_number(off.phone)] = 1
    send_all(campaign)
    poll_delivery_results()
    db.session.execute(
        update(Campaign).where(Campaign.id == campaign.id).values(status=CampaignStatus.PAUSED)
    )
    db.session.commit()
    days = app.config["SMS_RESULT_POLL_DAYS"]

    poll_delivery_results(now=utcnow() + timedelta(days=days, hours=1))
    (request,) = requests()
    assert request.settled_at is None  # the paused campaign's text waits to go again
    db.session.execute(update(Message).where(Message.subscriber_id == off.id).values(
        status=MessageStatus.CANCELLED))  # fmt: skip
    db.session.commit()
    poll_delivery_results(now=utcnow() + timedelta(days=days, hours=1))
    (request,) = requests()
    assert request.settled_at is not None
    by_person = {m.subscriber_id: m.status for m in messages(campaign)}
    assert by_person[quiet.id] is MessageStatus.SENT  # no result by then: it stays "sent"


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _reads_all_of_message(connection, statement: str, parameters, leading) -> bool:
    """Whether the statement's plan reads every row of `message`, in the table or in an index
    (on PostgreSQL with sequential scans made a last resort, so a tiny table shows its index)."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return any(re.search(r"\bSCAN message\b", row[-1]) for row in rows)
    (plan,) = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).one()
    return any(_whole(node, leading) for node in _nodes(plan[0]["Plan"]))


def _whole(node: dict, leading: dict[str, str]) -> bool:
    """A scan of `message`, or of one of its indexes with no condition on the index's leading
    column (PostgreSQL then reads the whole index: a condition on `channel` alone, say)."""
    if node.get("Index Name") in leading:
        return not re.search(rf"\b{leading[node['Index Name']]}\b", node.get("Index Cond", ""))
    return node.get("Relation Name") == "message" and node["Node Type"] == "Seq Scan"


def _full_scans(statements) -> list[str]:
    with db.engine.connect() as connection:
        found = inspect(connection)
        leading = {i["name"]: i["column_names"][0] for i in found.get_indexes("message")}
        leading |= {
            u["name"]: u["column_names"][0] for u in found.get_unique_constraints("message")
        }
        key = found.get_pk_constraint("message")
        leading[key["name"]] = key["constrained_columns"][0]
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # until the rollback
        scans = [s for s, p in statements if _reads_all_of_message(connection, s, p, leading)]
        connection.rollback()
    return scans


def test_no_lookup_of_a_poll_reads_the_whole_message_table(app, sens):
    campaign, (_fine, dead, off) = launch_sms(3)
    sens.dead_numbers.add(domestic_number(dead.phone))
    sens.unreachable[domestic_number(off.phone)] = 1
    send_all(campaign)
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if re.search(r"\b(FROM|UPDATE|JOIN) message\b", statement):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert poll_delivery_results() == 3
        poll_delivery_results(now=utcnow() + LATER)  # and the retry of the phone that was off
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)

    assert {m.subscriber_id: m.status for m in messages(campaign)}[off.id] is MessageStatus.QUEUED
    assert len(statements) > 10 and _full_scans(statements) == []
