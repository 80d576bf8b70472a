"""Send results: every recipient with its status and, for failures, a reason a person can read."""

import re
from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from pcrm.extensions import db
from pcrm.inputs import like_pattern
from pcrm.messaging.models import STATUS_LABELS, Message, MessageStatus
from pcrm.spreadsheets import csv_stream
from pcrm.subscribers.masking import mask_email, mask_name
from pcrm.subscribers.models import Subscriber

# Enhanced status codes (RFC 3463) most often seen, in words staff can act on.
ENHANCED = {
    "5.1.1": _l("받는 사람 주소가 없습니다. 주소가 맞는지 신청서와 대조해 고쳐 주세요."),
    "5.1.2": _l("받는 메일 도메인이 없습니다. 주소의 @ 뒤를 확인해 주세요."),
    "5.1.10": _l("받는 사람 주소가 없습니다 (도메인이 메일을 받지 않음)."),
    "5.2.1": _l("받는 사람 메일함이 사용 중지되었습니다."),
    "5.2.2": _l("받는 사람 메일함이 가득 찼습니다."),
    "5.7.1": _l("받는 서버가 정책상 거부했습니다 (스팸 차단 등). 주소 문제가 아닐 수 있습니다."),
    "4.2.2": _l("받는 사람 메일함이 가득 찼습니다 (일시적)."),
    "4.4.1": _l("받는 서버가 응답하지 않았습니다 (일시적)."),
    "4.7.1": _l("받는 서버가 잠시 뒤에 다시 보내라고 했습니다 (일시적)."),
}
STATUS_CODE = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


def readable_reason(message: Message) -> str:
    """Why a message did not go (or not yet), for the person correcting the address."""
    error = message.last_error or ""
    for code in STATUS_CODE.findall(error):
        if code in ENHANCED:
            return f"{ENHANCED[code]} ({message.smtp_code} {code})"
    if message.status is MessageStatus.BOUNCED_HARD:
        return _("받는 서버가 영구적으로 거부했습니다: %(e)s", e=error)
    if message.status is MessageStatus.BOUNCED_SOFT:
        return _("일시적 오류가 계속되어 포기했습니다: %(e)s", e=error)
    if message.status is MessageStatus.FAILED:
        return _("보내지 못했습니다: %(e)s", e=error) if error else _("보내지 못했습니다.")
    if message.status is MessageStatus.SUPPRESSED:
        return error or _("발송 시점에 수신 동의가 없거나 발송 제외 주소였습니다.")
    if message.status is MessageStatus.QUEUED and error:
        return _("다시 시도를 기다립니다: %(e)s", e=error)
    return ""


def recipients(campaign_id: int, *, status: str | None = None, q: str | None = None) -> Select:
    """Messages of the campaign with their subscriber, filtered by status and a search."""
    query = (
        select(Message)
        .join(Subscriber, Subscriber.id == Message.subscriber_id)
        .options(contains_eager(Message.subscriber))
        .where(Message.campaign_id == campaign_id)
        .order_by(Message.id)
    )
    if status in set(MessageStatus):
        query = query.where(Message.status == MessageStatus(status))
    if q:
        like = like_pattern(q.strip())
        query = query.where(
            or_(
                Subscriber.name.ilike(like, escape="\\"),
                Message.address.ilike(like, escape="\\"),
                Subscriber.email.ilike(like, escape="\\"),
            )
        )
    return query


EXPORT_HEADER = ["subscriber_id", "name", "address", "status", "sent_at", "reason"]


def _export_row(message: Message, masked: bool) -> list:
    subscriber = message.subscriber
    name, address = subscriber.name, message.address or subscriber.email
    return [
        subscriber.id,
        mask_name(name) if masked else name,
        mask_email(address) if masked else address,
        str(STATUS_LABELS[message.status]),
        message.sent_at.isoformat() if message.sent_at else "",
        readable_reason(message),
    ]


def export_rows(
    campaign_id: int, *, status: str | None, q: str | None, masked: bool = False
) -> Iterator[str]:
    """The filtered results as CSV lines (UTF-8 with BOM, so Excel in Korea reads it); names
    and addresses masked for staff who see them masked on the page."""
    query = recipients(campaign_id, status=status, q=q).execution_options(yield_per=1000)
    rows = (_export_row(message, masked) for message in db.session.scalars(query))
    yield from csv_stream(EXPORT_HEADER, rows)


def count(campaign_id: int, *, status: str | None, q: str | None) -> int:
    """How many recipients the filtered results list."""
    query = recipients(campaign_id, status=status, q=q).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(query))
