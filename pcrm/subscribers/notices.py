"""E-mails the registry sends residents (the double opt-in link, a preferences link), and the
signed, expiring tokens in them. They go through the e-mail channel (messaging.single), the same
sending path as campaigns, without the list headers of bulk mail."""

__all__ = ["NoticeUndeliverable", "RelayUnavailable"]  # what the job catches

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from rq import Retry

from pcrm.extensions import db, queues
from pcrm.messaging.channels import Content
from pcrm.messaging.single import RelayUnavailable, send_one
from pcrm.messaging.single import Undeliverable as NoticeUndeliverable
from pcrm.queue import URGENT
from pcrm.subscribers.models import NoticeKind, Subscriber, SubscriberNotice
from pcrm.urls import public_url

TOKEN_MAX_AGE = timedelta(days=7)
# A relay that is down or answers 4xx gets a few tries over about 15 minutes, then the notice
# ends failed with the reason: never an endless loop of retries.
RETRY = Retry(max=3, interval=[60, 180, 600])
SALTS = {NoticeKind.CONFIRM_EMAIL: "pcrm.confirm-email", NoticeKind.PREFERENCES_LINK: "pcrm.prefs"}
SUBJECTS = {
    NoticeKind.CONFIRM_EMAIL: _l("[성동구] 이메일 수신 동의를 확인해 주세요"),
    NoticeKind.PREFERENCES_LINK: _l("[성동구] 수신 설정 변경 링크"),
}


def _serializer(kind: NoticeKind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALTS[kind])


def make_token(kind: NoticeKind, payload: dict) -> str:
    return _serializer(kind).dumps(payload)


def read_token(kind: NoticeKind, token: str) -> dict | None:
    """The payload of a token we signed that has not expired, else None."""
    try:
        payload = _serializer(kind).loads(token, max_age=int(TOKEN_MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


def owe_notice(
    subscriber: Subscriber,
    kind: NoticeKind,
    notice_version: str | None = None,
    *,
    address: str | None = None,
    locale: str | None = None,
) -> SubscriberNotice:
    """Record an e-mail to send (to `address` instead of theirs: a correction to confirm), in
    the language of the page the resident is on; the caller commits, then calls enqueue_notice."""
    notice = SubscriberNotice(
        subscriber=subscriber,
        kind=kind,
        notice_version=notice_version,
        locale=locale or str(get_locale()),
        address=address,
    )
    db.session.add(notice)
    return notice


def enqueue_notice(notice: SubscriberNotice) -> None:
    # By its path: subscribers.jobs imports this module to send the notice.
    queues.enqueue("pcrm.subscribers.jobs.send_notice", notice.id, queue=URGENT, retry=RETRY)


def _address_digest(email: str) -> str:
    """A keyed digest of the address: a link stops working if the address changes, and the
    link itself no longer carries the address in readable base64."""
    key = current_app.secret_key.encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


def notice_address(notice: SubscriberNotice) -> str | None:
    """Where the notice goes: the corrected address it confirms, else the subscriber's."""
    return notice.address or notice.subscriber.email


def notice_for_token(kind: NoticeKind, token: str) -> SubscriberNotice | None:
    """The notice a signed, unexpired link names, while its subscriber keeps that address."""
    payload = read_token(kind, token) or {}
    notice_id = payload.get("n")
    notice = db.session.get(SubscriberNotice, notice_id) if isinstance(notice_id, int) else None
    if notice is None or notice.kind is not kind or not notice_address(notice):
        return None
    if not hmac.compare_digest(str(payload.get("a")), _address_digest(notice_address(notice))):
        return None
    return notice


def token_for(notice: SubscriberNotice) -> str:
    """The signed token of the notice's link: its id and a digest of the address, no address."""
    digest = _address_digest(notice_address(notice))
    return make_token(notice.kind, {"n": notice.id, "a": digest})


def _link(notice: SubscriberNotice) -> str:
    endpoint = "subscribers.preferences_signed"
    if notice.kind is NoticeKind.CONFIRM_EMAIL:
        endpoint = "subscribers.confirm_email"
    token = token_for(notice)
    if notice.locale == current_app.config["BABEL_DEFAULT_LOCALE"]:
        return public_url(endpoint, token=token)
    return public_url(endpoint, token=token, lang=notice.locale)  # the page speaks it too


def build_content(notice: SubscriberNotice) -> Content:
    """The notice as text and HTML in its language, from templates/email/subscribers/."""
    context = {"subscriber": notice.subscriber, "link": _link(notice), "days": TOKEN_MAX_AGE.days}
    template = f"email/subscribers/{notice.kind.value}"
    with force_locale(notice.locale):
        return Content(
            subject=str(SUBJECTS[notice.kind]),
            text=render_template(f"{template}.txt", **context),
            html=render_template(f"{template}.html", **context),
        )


def deliver(notice: SubscriberNotice) -> None:
    """Send one notice through the e-mail channel, the one sending path campaigns use too."""
    send_one(
        list_id="registry",
        message_id=f"notice-{notice.id}",
        to=notice_address(notice),
        content=lambda: build_content(notice),
    )
