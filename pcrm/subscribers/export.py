"""Exporting the filtered registry as CSV or XLSX; every export is in the access log."""

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.extensions import db
from pcrm.spreadsheets import csv_stream, xlsx_bytes
from pcrm.subscribers import browse as finder
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.addresses import national_phone
from pcrm.subscribers.age import age_band
from pcrm.subscribers.models import (
    AccessAction,
    BusinessType,
    Dong,
    InterestField,
    Subscriber,
    subscriber_interest,
)

CHUNK = 2000
FORMATS = ("csv", "xlsx")


@dataclass
class Export:
    filename: str
    mimetype: str
    body: Iterator[str] | bytes
    count: int


def header() -> list[str]:
    return [
        _("번호"), _("구분"), _("이름"), _("이메일"), _("이메일 상태"), _("휴대전화"),
        _("휴대전화 상태"), _("출생연도"), _("연령대"), _("성별"), _("동"), _("업종"),
        _("관심분야"), _("이메일 수신"), _("문자 수신"), _("등록일"),
    ]  # fmt: skip


def _names(model, key) -> dict:
    return {getattr(row, key): row.name_ko for row in db.session.scalars(select(model))}


def _interests(ids: list[int], field_names: dict) -> dict[int, list[str]]:
    link = subscriber_interest.c
    found: dict[int, list[str]] = {}
    query = select(link.subscriber_id, link.field_code).where(link.subscriber_id.in_(ids))
    for subscriber_id, code in db.session.execute(query):
        found.setdefault(subscriber_id, []).append(field_names[code])
    return found


def _yes(value: bool) -> str:
    return "Y" if value else "N"


def _row(s: Subscriber, names: dict, interests: list[str]) -> list:
    band = age_band(s.birth_year)
    return [
        s.id, s.kind.value, s.name, s.email, s.email_status or "", national_phone(s.phone),
        s.phone_status or "", s.birth_year, band.code if band else "", s.gender or "",
        names["dong"].get(s.dong_id, ""), names["business"].get(s.business_type_code, ""),
        ", ".join(interests), _yes(s.email_opt_in), _yes(s.sms_opt_in),
        s.created_at.date().isoformat(),
    ]  # fmt: skip


def rows(browse: finder.Browse) -> Iterator[list]:
    """Every matching subscriber as a row, read in id-ordered chunks."""
    names = {"dong": _names(Dong, "id"), "business": _names(BusinessType, "code")}
    field_names = _names(InterestField, "code")
    last_id = 0
    while True:
        query = finder.matching_ids(browse).where(Subscriber.id > last_id)
        ids = list(db.session.scalars(query.limit(CHUNK)))
        if not ids:
            return
        chunk = db.session.scalars(
            select(Subscriber).where(Subscriber.id.in_(ids)).order_by(Subscriber.id)
        )
        interests = _interests(ids, field_names)
        for subscriber in chunk:
            yield _row(subscriber, names, interests.get(subscriber.id, []))
        last_id = ids[-1]
        db.session.expire_all()


def export_registry(browse: finder.Browse, *, fmt: str, user: User | None) -> Export:
    """The filtered list as a file; logged (who, what, how many) before it is handed over."""
    count = finder.total(browse)
    what = _("명단 내려받기 (%(fmt)s): %(filter)s", fmt=fmt.upper(), filter=finder.describe(browse))
    record_access(user=user, action=AccessAction.EXPORT, what=what, record_count=count)
    db.session.commit()
    if fmt == "xlsx":
        body = xlsx_bytes(header(), rows(browse), title=_("구독자"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Export("subscribers.xlsx", mimetype, body, count)
    return Export(
        "subscribers.csv", "text/csv; charset=utf-8", csv_stream(header(), rows(browse)), count
    )
