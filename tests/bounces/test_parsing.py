"""Every message of the corpus reads as its table says; odd input is refused, never raised."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcrm.bounces.parsing import read
from pcrm.bounces.report import BounceKind

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
NOT_BOUNCES = [name for name, e in EXPECTED.items() if e["kind"] == "none"]


def test_the_corpus_is_large_and_varied():
    assert len(EXPECTED) >= 40
    assert {e["kind"] for e in EXPECTED.values()} == {"hard", "soft", "complaint", "none"}
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_reads_as_expected(name):
    expected = EXPECTED[name]
    report = read((CORPUS / name).read_bytes())
    first = report.failures[0] if report.failures else None
    token = report.message_token or next(iter(report.returned_tokens), None)

    assert report.kind.value == expected["kind"], report.why
    assert (first.recipient if first else None) == expected["recipient"]
    assert (first.status if first else None) == expected["status"]
    assert token == expected["token"]
    assert report.why  # staff always read what it is, in words
    if "failures" in expected:
        assert [[f.recipient, f.kind.value, f.status] for f in report.failures] == expected[
            "failures"
        ]
    if "message_id" in expected:
        assert expected["message_id"] in report.message_ids
    assert bool(report.refused) == expected.get("refused", False)


@pytest.mark.parametrize("name", NOT_BOUNCES)
def test_no_auto_reply_or_person_is_a_bounce(name):
    report = read((CORPUS / name).read_bytes())
    assert report.kind is BounceKind.NONE
    assert report.failures == ()


AUTO_REPLIES = [
    ("Auto-Submitted: auto-replied", "Re: survey"),
    ("X-Autoreply: yes", "Re: survey"),
    ("X-Autorespond: yes", "Thanks"),
    ("Precedence: auto_reply", "Thanks"),
    ("Precedence: bulk", "Out of Office: survey"),
    ("Precedence: bulk", "=?utf-8?b?67aA7J6s7KSRIOyViOuCtA==?="),  # 부재중 안내
    ("X-Mailer: Outlook", "Automatic reply: survey"),
    ("X-Mailer: Outlook", "=?utf-8?b?7J6Q64+ZIOydkeuLtTog7ISk66y4?="),  # 자동 응답: 설문
]


@pytest.mark.parametrize(("marker", "subject"), AUTO_REPLIES)
def test_an_auto_reply_quoting_failure_words_is_still_no_bounce(marker, subject):
    raw = (
        f"Return-Path: <>\r\nFrom: Kim <kim@example.org>\r\nTo: survey@pcrm.local\r\n"
        f"Subject: {subject}\r\n{marker}\r\n\r\n"
        "I am away. If this bounces with 550 5.1.1 user unknown, 사용자가 존재하지 않습니다.\r\n"
    ).encode()
    report = read(raw)
    assert report.kind is BounceKind.NONE
    assert report.why


def test_a_korean_out_of_office_says_so_in_korean():
    report = read((CORPUS / "ooo_korean_euckr_subject.eml").read_bytes())
    assert report.why == "자동 응답 (부재중 등)"
    assert "부재중" in report.subject  # the EUC-KR encoded subject, decoded


def test_a_message_over_the_size_limit_is_refused_with_its_size():
    raw = b"From: MAILER-DAEMON@example.org\r\nSubject: Undelivered\r\n\r\n" + b"x" * (20 << 20)
    report = read(raw)
    assert report.kind is BounceKind.NONE
    assert "너무 큽니다" in report.refused and "20,971," in report.refused
    assert read(raw[:1000], max_bytes=2000).refused == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "머리글이 없음"),
        (b"\x00\x01\x02binary\xff\xfe" * 300, "이진 데이터"),
        (b"just some text without any header\n", "머리글이 없음"),
        ((CORPUS / "truncated_mime.eml").read_bytes(), "잘려"),
    ],
)
def test_unreadable_input_is_refused_with_a_reason(raw, reason):
    report = read(raw)
    assert report.kind is BounceKind.NONE and report.failures == ()
    assert reason in report.refused


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_read_never_raises_on_arbitrary_bytes(raw):
    assert read(raw).kind in BounceKind


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(EXPECTED)), st.integers(min_value=0, max_value=10_000))
def test_read_never_raises_on_a_cut_or_damaged_bounce(name, at):
    raw = (CORPUS / name).read_bytes()
    cut = raw[: at % (len(raw) + 1)]
    damaged = cut + os.urandom(16) + raw[len(cut) + 16 :]
    for sample in (cut, damaged):
        report = read(sample)
        assert report.kind in BounceKind
        if report.kind is BounceKind.NONE:
            assert report.failures == ()


def plain(sender: str, subject: str, body: str, headers: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: bounces+{'T' * 24}@pcrm.local\r\nSubject: {subject}\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (
            plain("Boxbe <noreply@boxbe.com>", "Request to join my guest list", "Verify you..."),
            "챌린지",
        ),
        (plain("x@example.org", "Your message requires verification", "Click."), "챌린지"),
        (
            plain("list-owner@example.org", "Your message has been held", "Post by non-member"),
            "승인",
        ),
        (plain("b@example.org", "Not read: survey", "Your message was deleted unread."), "읽음"),
        (plain("c@example.org", "Return Receipt (displayed) - survey", "Displayed."), "읽음"),
        # The postmaster writing back as a person is a person, whatever words they quote.
        (
            plain("postmaster@example.org", "Re: survey", "550 5.1.1 user unknown? No, we exist."),
            "회신",
        ),
    ],
)
def test_challenges_moderation_receipts_and_people_are_no_bounce(raw, why):
    report = read(raw)
    assert report.kind is BounceKind.NONE and why in report.why


def test_a_free_text_delay_warning_is_soft_whatever_it_quotes():
    body = (
        "This message was created automatically by mail delivery software.\r\n"
        "A message that you sent has not yet been delivered to one or more of its\r\n"
        "recipients after more than 24 hours on the queue on mx.example.de.\r\n\r\n"
        "  slow@example.de\r\n    host mx.example.de: 550 5.1.1 temporarily unknown\r\n"
    )
    report = read(
        plain(
            "Mail Delivery System <Mailer-Daemon@mx.example.de>",
            "Warning: message 1vQ delayed 24 hours",
            body,
        )
    )
    assert report.kind is BounceKind.SOFT
    assert [f.recipient for f in report.failures] == ["slow@example.de"]


def test_raw_8_bit_korean_headers_and_status_fields_are_read():
    sender, subject = "네이버 메일".encode("euc-kr"), "[반송] 메일 발송 실패".encode("euc-kr")
    full = "메일함 용량이 초과되었습니다".encode("euc-kr")
    raw = (
        b"From: " + sender + b" <MAILER-DAEMON@naver.com>\r\n"
        b"To: bounces+" + b"K" * 24 + b"@pcrm.local\r\nSubject: " + subject
        + b"\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.daum.net\r\n\r\n"
        b"Final-Recipient: rfc822; kim@daum.net\r\nAction: failed\r\nStatus: 5.0.0\r\n"
        b"Diagnostic-Code: smtp; 550 " + full + b"\r\n\r\n--b--\r\n"
    )  # fmt: skip
    report = read(raw)
    assert (report.subject, report.sender) == (
        "[반송] 메일 발송 실패",
        "네이버 메일 <MAILER-DAEMON@naver.com>",
    )
    (failure,) = report.failures
    assert (failure.kind, failure.status) == (BounceKind.SOFT, "5.2.2")  # full: soft even as 5.x
    assert "메일함 용량" in failure.diagnostic
