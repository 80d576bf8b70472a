"""A returned message goes one path: parsed, matched to our message, applied once, atomically."""

from pathlib import Path

import pytest

from pcrm.bounces import ingest as ingest_module
from pcrm.bounces.ingest import ingest, ingest_many
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus, Suppression, SuppressionReason
from pcrm.messaging.service import is_suppressed
from pcrm.subscribers.models import AddressStatus
from tests.bounces.returned import dsn, sent_messages
from tests.bounces.test_parsing import NOT_BOUNCES

CORPUS = Path(__file__).parent / "corpus"


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def statuses() -> list:
    db.session.expire_all()
    return [(m.status, m.subscriber.email_status) for m in db.session.scalars(db.select(Message))]


def verp(message: Message) -> str:
    return f"bounces+{message.token}@pcrm.local"


def test_a_hard_bounce_suppresses_the_address_once(app, smtp_server):
    (message, _), _received = sent_messages(smtp_server)
    raw = dsn(to=verp(message), failures=[(message.address, "failed", "5.1.1")])

    first = ingest(raw, source="test")
    again = ingest(raw, source="test")

    assert first.state is InboundState.APPLIED and not first.duplicate
    assert first.message_ids == (message.id,)
    assert again.duplicate
    assert count(InboundMail) == 1
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_HARD
    assert message.subscriber.email_status is AddressStatus.BOUNCED
    assert is_suppressed("email", message.address)
    assert count(Suppression) == 1


def test_a_bounce_naming_nothing_of_ours_changes_nothing(app, smtp_server):
    sent_messages(smtp_server)
    before = statuses()
    result = ingest(
        dsn(
            to=f"bounces+{'x' * 24}@pcrm.local",
            failures=[("nobody@example.org", "failed", "5.1.1")],
        ),
        source="test",
    )
    assert result.state is InboundState.UNMATCHED
    assert count(Suppression) == 0
    assert statuses() == before


@pytest.mark.parametrize("name", NOT_BOUNCES)
def test_no_reply_or_auto_reply_to_our_return_path_changes_anything(app, smtp_server, name):
    (message, _), _ = sent_messages(smtp_server)
    before = statuses()
    raw = (CORPUS / name).read_bytes()
    # As if it came back to this message's VERP address and quoted its recipient.
    raw = f"Delivered-To: {verp(message)}\r\nX-Original-To: {message.address}\r\n".encode() + raw
    result = ingest(raw, source="test")
    assert result.report.kind is BounceKind.NONE
    assert result.state is InboundState.NOT_BOUNCE
    assert count(Suppression) == 0 and statuses() == before


def test_a_full_mailbox_is_a_soft_bounce_that_keeps_the_address(app, smtp_server):
    (message, _), _ = sent_messages(smtp_server)
    ingest(dsn(to=verp(message), failures=[(message.address, "failed", "5.2.2")]), source="t")
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_SOFT
    assert not is_suppressed("email", message.address)


def test_a_complaint_suppresses_the_address_as_a_complaint(app, smtp_server):
    (message, _), received = sent_messages(smtp_server)
    raw = (
        (
            b"From: feedback@arf.mail.yahoo.com\r\nTo: fbl@pcrm.local\r\nSubject: FW: survey\r\n"
            b"MIME-Version: 1.0\r\n"
            b'Content-Type: multipart/report; report-type=feedback-report; boundary="f"\r\n\r\n'
            b"--f\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
            b"--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
            b"Version: 1\r\n\r\n--f\r\nContent-Type: message/rfc822\r\n\r\n"
        )
        + received[message.address]
        + b"\r\n--f--\r\n"
    )
    result = ingest(raw, source="test")
    assert result.report.kind is BounceKind.COMPLAINT
    assert result.message_ids == (message.id,)
    reason = db.session.scalar(db.select(Suppression.reason))
    assert reason == SuppressionReason.COMPLAINT


def test_a_multi_recipient_report_applies_to_each_failed_recipient(app, smtp_server):
    messages, _ = sent_messages(smtp_server, count=3)
    raw = dsn(
        to="postmaster@pcrm.local",
        failures=[
            (messages[0].address, "failed", "5.1.1"),
            (messages[2].address, "failed", "5.1.2"),
        ],
    )
    result = ingest(raw, source="test")
    assert set(result.message_ids) == {messages[0].id, messages[2].id}
    assert [is_suppressed("email", m.address) for m in messages] == [True, False, True]


def test_the_evidence_and_the_policy_are_one_transaction(app, smtp_server, monkeypatch):
    messages, _ = sent_messages(smtp_server, count=2)
    raw = dsn(
        to="postmaster@pcrm.local",
        failures=[(m.address, "failed", "5.1.1") for m in messages],
    )
    real_apply, calls = ingest_module.policy.apply, []

    def crash_on_the_second(**kwargs):
        calls.append(kwargs["message"].id)
        if len(calls) == 2:
            raise RuntimeError("the worker died here")
        return real_apply(**kwargs)

    monkeypatch.setattr(ingest_module.policy, "apply", crash_on_the_second)
    with pytest.raises(RuntimeError):
        ingest(raw, source="test")
    db.session.rollback()
    assert count(InboundMail) == 0 and count(Suppression) == 0  # nothing half-done

    monkeypatch.setattr(ingest_module.policy, "apply", real_apply)
    assert ingest(raw, source="test").state is InboundState.APPLIED  # the retry does it all
    assert count(Suppression) == 2


def test_a_20_mb_message_is_refused_and_changes_nothing(app, smtp_server):
    (message, _), _ = sent_messages(smtp_server)
    raw = dsn(to=verp(message), failures=[(message.address, "failed", "5.1.1")])
    raw = raw.replace(b"could not be delivered.", b"could not be delivered." + b"x" * (20 << 20))
    result = ingest(raw, source="test")
    assert "너무 큽니다" in result.report.refused
    assert result.state is InboundState.NOT_BOUNCE
    assert count(Suppression) == 0
    stored = db.session.get(InboundMail, result.inbound_id)
    assert stored.raw is None and "너무 큽니다" in stored.why


def test_a_dry_run_matches_but_changes_nothing(app, smtp_server):
    (message, _), _ = sent_messages(smtp_server)
    before = statuses()
    result = ingest(
        dsn(to=verp(message), failures=[(message.address, "failed", "5.1.1")]),
        source="t",
        dry_run=True,
    )
    assert result.state is None and result.message_ids == (message.id,)
    assert count(InboundMail) == 0 and count(Suppression) == 0 and statuses() == before


def test_a_batch_is_one_transaction_that_skips_what_it_has_seen(app, smtp_server):
    messages, _ = sent_messages(smtp_server, count=3)
    bounces = [dsn(to=verp(m), failures=[(m.address, "failed", "5.1.1")]) for m in messages]
    ingest(bounces[0], source="test")

    results = ingest_many([bounces[0], bounces[1], bounces[1], bounces[2]], source="test")

    assert [r.duplicate for r in results] == [True, False, True, False]
    assert results[1].inbound_id == results[2].inbound_id
    assert [r.state for r in results] == [InboundState.APPLIED] * 4
    assert count(InboundMail) == 3 and count(Suppression) == 3
    assert all(is_suppressed("email", m.address) for m in messages)


def test_soft_bounces_of_one_address_in_one_batch_count_together(app):
    """A batch writes once at the end: its earlier bounces of an address count for the later
    ones, and the address gets one worklist row, not one per bounce."""
    from pcrm.bounces.models import AddressReview
    from tests.bounces.returned import verp_dsn
    from tests.campaigns.factories import launched_campaign, send_all

    campaign, _ = launched_campaign(recipients=1)
    send_all(campaign)
    message = db.session.scalars(db.select(Message)).one()
    reports = [verp_dsn(message.token, message.address, s) for s in ("4.2.2", "4.4.1", "4.7.1")]

    results = ingest_many(reports, source="test")

    assert [r.state for r in results] == [InboundState.APPLIED] * 3
    assert is_suppressed("email", message.address)  # three soft bounces within 30 days
    assert db.session.scalar(db.select(db.func.count()).select_from(AddressReview)) == 1


def test_a_soft_bounce_from_before_counts_with_two_in_one_batch(app):
    from tests.bounces.returned import verp_dsn
    from tests.campaigns.factories import launched_campaign, send_all

    campaign, _ = launched_campaign(recipients=1)
    send_all(campaign)
    message = db.session.scalars(db.select(Message)).one()
    ingest(verp_dsn(message.token, message.address, "4.2.2"), source="earlier poll")
    assert not is_suppressed("email", message.address)

    later = [verp_dsn(message.token, message.address, s) for s in ("4.4.1", "4.7.1")]
    ingest_many(later, source="test")

    assert is_suppressed("email", message.address)  # one written before + two in the batch


def test_a_later_bounce_in_a_batch_finds_the_worklist_row_an_earlier_one_made(app):
    """A hard bounce then a soft one of the same address in one batch: the soft one finds the
    address suppressed by the first (one worklist row, its reason the hard bounce)."""
    from pcrm.bounces.models import AddressReview, ReviewReason, ReviewState
    from tests.bounces.returned import verp_dsn
    from tests.campaigns.factories import launched_campaign, send_all

    campaign, _ = launched_campaign(recipients=1)
    send_all(campaign)
    message = db.session.scalars(db.select(Message)).one()
    reports = [verp_dsn(message.token, message.address, s) for s in ("5.1.1", "4.2.2")]

    results = ingest_many(reports, source="test")

    assert [r.state for r in results] == [InboundState.APPLIED] * 2
    row = db.session.scalars(db.select(AddressReview)).one()
    assert (row.state, row.reason) == (ReviewState.SUPPRESSED, ReviewReason.HARD_BOUNCE)
    assert db.session.scalar(db.select(Suppression.reason)) is SuppressionReason.HARD_BOUNCE
