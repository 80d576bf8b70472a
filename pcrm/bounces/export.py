"""The worklist as a file to check against the paper forms, and a bounce's raw evidence; both
are personal data, so each download is written to the access log first."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.bounces.models import InboundMail
from pcrm.bounces.worklist import Filters, Row, rows, total
from pcrm.extensions import db
from pcrm.i18n import local_datetime
from pcrm.labels import label
from pcrm.spreadsheets import csv_bytes, xlsx_bytes
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.addresses import national_phone
from pcrm.subscribers.choices import CHANNELS
from pcrm.subscribers.choices import label as choice_label
from pcrm.subscribers.models import AccessAction, Channel

FORMATS = ("csv", "xlsx")
# The worklist is at most a few thousand rows: built in memory, in one query per page of rows.
MAX_ROWS = 50_000


@dataclass(frozen=True)
class Export:
    filename: str
    mimetype: str
    body: bytes


def header() -> list[str]:
    return [
        _("번호"), _("구독자 번호"), _("이름"), _("수단"), _("주소"), _("상태"),
        _("마지막 반송 일시"), _("반송 종류"), _("상태 코드"), _("코드 설명"), _("서버 응답"),
        _("등록 경로"), _("동"), _("관련 캠페인"), _("확인일"),
    ]  # fmt: skip


def channel_words(channel: Channel) -> str:
    return choice_label(CHANNELS, channel.value)


def _address(row: Row) -> str:
    review = row.review
    return national_phone(review.address) if review.channel is Channel.SMS else review.address


def line(row: Row) -> list:
    review, bounce = row.review, row.review.last_bounce
    return [
        review.id, review.subscriber_id, row.subscriber.name or "", channel_words(review.channel),
        _address(row), row.state_words,
        local_datetime(bounce.occurred_at) if bounce else "", label(bounce.kind) if bounce else "",
        (bounce.status or "") if bounce else "", row.status_words,
        bounce.diagnostic if bounce else "", row.registered,
        row.subscriber.dong.name_ko if row.subscriber.dong else "", ", ".join(row.campaigns),
        local_datetime(review.checked_at) if review.checked_at else "",
    ]  # fmt: skip


def export_worklist(filters: Filters, *, fmt: str, user: User) -> Export:
    """The filtered worklist as CSV or XLSX; logged (who, how many) before it is handed over."""
    count = min(total(filters), MAX_ROWS)
    what = _("반송 정리 목록 내려받기 (%(fmt)s)", fmt=fmt.upper())
    record_access(user=user, action=AccessAction.EXPORT, what=what, record_count=count)
    db.session.commit()
    lines = [line(row) for row in rows(filters, size=MAX_ROWS)]
    if fmt == "xlsx":
        body = xlsx_bytes(header(), lines, title=_("반송 정리"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Export("bounces.xlsx", mimetype, body)
    return Export("bounces.csv", "text/csv; charset=utf-8", csv_bytes(header(), lines))


def raw_evidence(inbound_id: int, *, user: User) -> bytes | None:
    """The raw returned message while it is kept (None once purged); the view is logged."""
    inbound = db.session.get(InboundMail, inbound_id)
    if inbound is None:
        return None
    raw = db.session.scalar(select(InboundMail.raw).where(InboundMail.id == inbound_id))
    if raw is None:
        return None
    what = _("반송 원본 메일 조회 #%(id)s", id=inbound_id)
    record_access(user=user, action=AccessAction.VIEW, what=what, record_count=1)
    db.session.commit()
    return raw
