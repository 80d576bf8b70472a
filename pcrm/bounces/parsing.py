"""Read a returned message into a Report: pure, no database, never raises.

In order: what cannot be read is refused with the reason; an ARF feedback report (RFC 5965) is a
complaint; a read receipt (RFC 8098) is not a bounce; an RFC 3464 delivery status notification
reports each recipient; anything else is a bounce only when a mailer daemon sent it or it says
so, and then flufl.bounce finds the addresses of the common non-standard formats and
`pcrm.bounces.codes` reads the status from the server's words.
"""

import email
import email.errors
import email.policy
import re
from email.message import Message

from pcrm.bounces import codes, signs
from pcrm.bounces.formats import delivery_status, feedback_report, free_text_failures
from pcrm.bounces.mime import header, readable_text, returned_text
from pcrm.bounces.report import BounceKind, Failure, Report

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # a bounce carries at most a copy of one of our messages
LOCAL_TAG = r"([A-Za-z0-9_-]{16,64})@"
VERP = re.compile(r"bounces\+" + LOCAL_TAG, re.IGNORECASE)
OUR_ADDRESS = re.compile(r"(?:bounces|unsubscribe)\+" + LOCAL_TAG, re.IGNORECASE)
MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*\n?[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.M)
# Control bytes that mail text never holds (tab, LF, VT, FF and CR are allowed).
PERSON_REPLY = "일반 회신 (반송 아님)"  # what a person wrote back: residents' voice takes it
CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
ENVELOPE = ("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To", "Return-Path")


def read(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Report:
    """What `raw` says; kind NONE with `refused` set when it cannot be read at all."""
    if len(raw) > max_bytes:
        return _refused(f"메시지가 너무 큽니다 ({len(raw):,}바이트, 한도 {max_bytes:,}바이트)")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        refusal = _unreadable(raw, message)
        return _refused(refusal) if refusal else _read(message)
    except Exception as error:  # hostile input must not stop a mailbox: refuse it, keep going
        return _refused(f"메시지를 읽을 수 없습니다 ({type(error).__name__})")


def _refused(reason: str) -> Report:
    return Report(BounceKind.NONE, why=reason, refused=reason)


def _unreadable(raw: bytes, message: Message) -> str | None:
    head = raw[:8192]
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if b"\x00" in head or controls > len(head) // 20:
        return "이메일이 아닌 이진 데이터입니다"
    if not any(message.get(name) for name in ("From", "To", "Subject", "Date", "Received")):
        return "이메일 형식이 아닙니다 (머리글이 없음)"
    missing = (email.errors.CloseBoundaryNotFoundDefect, email.errors.StartBoundaryNotFoundDefect)
    if any(isinstance(defect, missing) for defect in message.defects):
        return "MIME 메시지가 잘려 있습니다 (끝 경계가 없음)"
    return None


def _read(message: Message) -> Report:
    subject, sender = header(message, "Subject"), header(message, "From")
    returned = returned_text(message)
    context = {
        "message_token": _verp_token(message),
        "returned_tokens": tuple(dict.fromkeys(OUR_ADDRESS.findall(returned))),
        "message_ids": tuple(dict.fromkeys(MESSAGE_ID.findall(returned))),
        "subject": subject[:300],
        "sender": sender[:254],
    }
    report_type = str(message.get_param("report-type", "") or "").lower()
    types = {part.get_content_type() for part in message.walk()}
    if report_type == "feedback-report" or "message/feedback-report" in types:
        return feedback_report(message, context)
    if report_type == "disposition-notification" or "message/disposition-notification" in types:
        return Report(BounceKind.NONE, why="읽음 확인", **context)
    text = readable_text(message)
    if "message/delivery-status" in types or "message/global-delivery-status" in types:
        failures, delivered = delivery_status(message, text)
        if failures:
            return _bounce(failures, context)
        if delivered:
            return Report(BounceKind.NONE, why="배달 완료 알림", **context)
    return _free_text(message, text, context)


def _free_text(message: Message, text: str, context: dict) -> Report:
    subject = context["subject"]
    why_not = signs.not_a_bounce(message, subject)
    from_mailer = signs.from_mailer(message, context["sender"]) and not signs.person_subject(
        subject
    )
    if not from_mailer and (why_not or not signs.bounce_subject(subject)):
        return Report(BounceKind.NONE, why=why_not or PERSON_REPLY, **context)
    delayed = signs.delay_subject(subject)
    failures = free_text_failures(message, text, delayed=delayed)
    if not failures:
        status = codes.status_from_text(text)
        if status is None and why_not:
            return Report(BounceKind.NONE, why=why_not, **context)
        kind = codes.kind_for(status, text, delayed=delayed)
        failures = (Failure(None, kind, status, " ".join(text.split())[:500]),)
    return _bounce(failures, context)


def _bounce(failures: tuple[Failure, ...], context: dict) -> Report:
    kinds = {failure.kind for failure in failures}
    kind = BounceKind.HARD if BounceKind.HARD in kinds else BounceKind.SOFT
    why = "영구 반송" if kind is BounceKind.HARD else _soft_why(failures)
    return Report(kind, failures, why=why, **context)


def _soft_why(failures: tuple[Failure, ...]) -> str:
    status = failures[0].status or ""
    if status.endswith(".2.2"):
        return "일시 반송 (메일함 용량 초과)"
    if status.startswith("5.7"):
        return "일시 반송 (정책 차단: 발신 평판·인증 문제)"
    if status.startswith("4.4.7") or "delay" in failures[0].diagnostic.lower():
        return "배달 지연"
    return "일시 반송"


def _verp_token(message: Message) -> str | None:
    for name in ENVELOPE:
        for value in message.get_all(name) or ():
            match = VERP.search(str(value))
            if match:
                return match.group(1)
    return None
