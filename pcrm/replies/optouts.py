"""Ending SMS consent for a number: a reply that says stop, the provider's 080 list, a file.

Every subscriber with the number loses SMS consent, in the ledger, with its source and evidence.
Applying the same opt-out again changes nothing; nor does an opt-out older than a consent the
resident gave since (a daily list still carries numbers that later signed up again).
"""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.db import utcnow
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.sms import provider
from pcrm.subscribers.addresses import normalise_phone
from pcrm.subscribers.consent import change_consent
from pcrm.subscribers.imports.reader import Limits, read_table
from pcrm.subscribers.models import Channel, ConsentSource, Subscriber

PHONE_HEADERS = {"번호", "전화번호", "휴대전화", "수신번호", "phone", "number", "clienttelno"}


def revoke_sms_consent(
    phone: str, *, source: ConsentSource, evidence: str, registered_at: datetime | None = None
) -> int:
    """End the SMS consent of everyone with this number who gave it before `registered_at`
    (now when not given); the caller commits. Returns how many lost it."""
    registered_at = registered_at or utcnow()
    people = db.session.scalars(
        select(Subscriber).where(Subscriber.phone == phone, Subscriber.sms_opt_in.is_(True))
    ).all()
    revoked = 0
    for person in people:
        if person.sms_consented_at is not None and person.sms_consented_at > registered_at:
            continue
        change_consent(
            person, granted=False, channel=Channel.SMS, source=source, evidence=evidence[:500]
        )
        revoked += 1
    return revoked


def sync_opt_out_list() -> int:
    """Periodic job: every number on the provider's 080 list loses SMS consent; commits.
    Returns how many subscribers lost it this time."""
    if not current_app.config["SMS_PROVIDER"]:  # none configured yet: no list to read
        return 0
    revoked = 0
    for entry in provider().opt_outs():
        via = "080 전화" if entry.via == "call" else "업체 콘솔"
        revoked += revoke_sms_consent(
            entry.phone, source=ConsentSource.OPT_OUT_080,
            evidence=f"080 수신거부 목록 ({via})", registered_at=entry.registered_at,
        )  # fmt: skip
    db.session.commit()
    return revoked


def numbers_in_file(content: bytes) -> tuple[list[str], list[str]]:
    """The numbers of an uploaded 080 list (CSV or XLSX, a column named like 번호 or phone, or
    the first column), and the rows that are not a mobile number, with why."""
    limits = Limits(current_app.config["IMPORT_MAX_ROWS"], current_app.config["IMPORT_MAX_COLUMNS"])
    table = read_table(content, limits)
    keys = [header.strip().casefold().replace(" ", "") for header in table.headers]
    column = next((n for n, key in enumerate(keys) if key in PHONE_HEADERS), 0)
    numbers, problems = [], []
    for row in table.rows:
        raw = row.cells[column] if column < len(row.cells) else ""
        checked = normalise_phone(raw)
        if checked.value:
            numbers.append(checked.value)
        else:
            reason = checked.problem or _("번호가 비어 있습니다")
            problems.append(_("%(row)d행: %(reason)s", row=row.number, reason=reason))
    return numbers, problems


def import_opt_out_list(*, filename: str, content: bytes) -> tuple[int, int, list[str]]:
    """Apply an 080 opt-out list from a file; commits. Returns (numbers read, subscribers who
    lost SMS consent, rows refused with why); Invalid when no row holds a number."""
    numbers, problems = numbers_in_file(content)
    if not numbers:
        raise Invalid(_("파일에서 휴대전화 번호를 찾지 못했습니다."), field="file")
    evidence = f"080 수신거부 목록 파일 {filename}"[:500]
    revoked = sum(
        revoke_sms_consent(phone, source=ConsentSource.OPT_OUT_080, evidence=evidence)
        for phone in dict.fromkeys(numbers)
    )
    db.session.commit()
    return len(numbers), revoked, problems
