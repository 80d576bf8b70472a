"""Bounces and complaints that providers send as structured events: Amazon SES through SNS,
and the signed JSON webhook. Each verified event goes the one ingest path."""

import json
import time

from flask import current_app
from flask_babel import gettext as _

from pcrm.bounces import ses, signed, sns
from pcrm.bounces.ingest import Ingested, ingest_report
from pcrm.errors import Forbidden, Invalid

SES_SOURCE = "ses"
WEBHOOK_SOURCE = "webhook"


def take_sns(body: bytes) -> str:
    """Verify an SNS POST and act on it; returns what was done, in words (for the relay's log)."""
    message = _json_object(body)
    sns.verify(message, topics=current_app.config["SES_SNS_TOPIC_ARNS"])
    if message["Type"] == "SubscriptionConfirmation":
        sns.confirm_subscription(message)
        return "subscription confirmed"
    if message["Type"] == "UnsubscribeConfirmation":
        return "unsubscribe noted"
    report = ses.read(message["Message"])
    if report is None:
        return "nothing to do"
    result = ingest_report(report, raw=message["Message"].encode(), source=SES_SOURCE)
    return _said(result)


def take_signed(body: bytes, *, timestamp: str, given: str) -> list[str]:
    """Verify a signed webhook request and ingest each of its events; what each one did."""
    secret = current_app.config["BOUNCE_WEBHOOK_SECRET"]
    if not secret:
        raise Forbidden(_("웹훅 비밀값(BOUNCE_WEBHOOK_SECRET)이 설정되지 않았습니다."))
    signed.verify(body, timestamp=timestamp, given=given, secret=secret, now=time.time())
    # Every event is checked before any is ingested: a bad one refuses the whole request.
    events = signed.read(body)
    return [_said(ingest_report(r, raw=raw, source=WEBHOOK_SOURCE)) for r, raw in events]


def _json_object(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        raise Invalid(_("요청 본문이 JSON이 아닙니다.")) from None
    if not isinstance(value, dict):
        raise Invalid(_("요청 본문이 JSON 객체가 아닙니다."))
    return value


def _said(result: Ingested) -> str:
    if result.duplicate:
        return "duplicate"
    return str(result.state.value) if result.state else "duplicate"
