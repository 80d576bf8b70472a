"""E-mails the registry sends residents (the double opt-in link, a preferences link), and the
signed, expiring tokens in them."""

from datetime import timedelta
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Message as MailMessage
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pcrm.extensions import db, queues
from pcrm.messaging.smtp import smtp_connection
from pcrm.queue import URGENT
from pcrm.subscribers.models import NoticeKind, Subscriber, SubscriberNotice
from pcrm.urls import public_url

TOKEN_MAX_AGE = timedelta(days=7)
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
    subscriber: Subscriber, kind: NoticeKind, notice_version: str | None = None
) -> SubscriberNotice:
    """Record an e-mail to send, in the language of the page the resident is on; the caller
    commits, then calls enqueue_notice."""
    notice = SubscriberNotice(
        subscriber=subscriber, kind=kind, notice_version=notice_version, locale=str(get_locale())
    )
    db.session.add(notice)
    return notice


def enqueue_notice(notice: SubscriberNotice) -> None:
    from pcrm.subscribers.jobs import send_notice

    queues.enqueue(send_notice, notice.id, queue=URGENT)


def _link(notice: SubscriberNotice) -> str:
    subscriber = notice.subscriber
    payload = {"s": subscriber.id, "e": subscriber.email}
    endpoint = "subscribers.preferences_signed"
    if notice.kind is NoticeKind.CONFIRM_EMAIL:
        payload["v"], endpoint = notice.notice_version, "subscribers.confirm_email"
    token = make_token(notice.kind, payload)
    if notice.locale == current_app.config["BABEL_DEFAULT_LOCALE"]:
        return public_url(endpoint, token=token)
    return public_url(endpoint, token=token, lang=notice.locale)  # the page speaks it too


def build_mail(notice: SubscriberNotice) -> MailMessage:
    """The notice as a text and HTML e-mail in its language, from templates/email/subscribers/."""
    context = {"subscriber": notice.subscriber, "link": _link(notice), "days": TOKEN_MAX_AGE.days}
    template = f"email/subscribers/{notice.kind.value}"
    with force_locale(notice.locale):
        message = MailMessage(
            subject=str(SUBJECTS[notice.kind]),
            recipients=[notice.subscriber.email],
            body=render_template(f"{template}.txt", **context),
            html=render_template(f"{template}.html", **context),
        )
    message.msgId = make_msgid(domain=current_app.config["MAIL_DOMAIN"])
    return message


def send(message: MailMessage) -> None:
    """Send to the relay the config names now, with MAIL_TIMEOUT (messaging's connection)."""
    with smtp_connection() as connection:
        connection.send(message)
