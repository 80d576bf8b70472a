"""Read a returned message into a Report: pure, no database.

A first reader: RFC 3464 delivery status notifications only (stdlib `email`). Non-standard
formats, auto-replies and ARF complaints are still to come.
"""

import email
import email.policy
import re

from pcrm.bounces.report import BounceKind, Failure, Report

VERP = re.compile(r"bounces\+([A-Za-z0-9_-]{16,64})@", re.IGNORECASE)


def read(raw: bytes) -> Report:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    token = _token(message)
    subject = str(message.get("Subject", ""))[:300]
    sender = str(message.get("From", ""))[:254]
    if message.get_content_type() != "multipart/report":
        return Report(
            BounceKind.NONE, message_token=token, why="반송 아님", subject=subject, sender=sender
        )
    failures = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # compat32 parses each field block of the status into its own sub-message.
        for block in part.get_payload()[1:]:
            action = str(block.get("Action", "")).strip().lower()
            if action not in ("failed", "delayed"):
                continue
            recipient = str(block.get("Final-Recipient", "")).split(";", 1)[-1].strip() or None
            status = str(block.get("Status", "")).strip() or None
            kind = BounceKind.HARD if status and status.startswith("5") else BounceKind.SOFT
            failures.append(Failure(recipient, kind, status))
    if not failures:
        return Report(
            BounceKind.NONE, message_token=token, why="반송 아님", subject=subject, sender=sender
        )
    kind = BounceKind.HARD if any(f.kind is BounceKind.HARD for f in failures) else BounceKind.SOFT
    return Report(kind, tuple(failures), token, subject=subject, sender=sender)


def _token(message) -> str | None:
    for header in ("X-Original-To", "Delivered-To", "To", "Return-Path"):
        match = VERP.search(str(message.get(header, "")))
        if match:
            return match.group(1)
    return None
