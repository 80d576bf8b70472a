"""Replies staff import from a file (CSV or XLSX: number, text, received time), each row kept,
refused with its reason, or found already kept."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from pcrm.errors import Invalid
from pcrm.messaging.quiet_hours import SEOUL
from pcrm.replies.service import record_reply
from pcrm.subscribers.imports.reader import Limits, Table, read_table

COLUMNS = {
    "phone": {"번호", "전화번호", "휴대전화", "보낸번호", "발신번호", "phone", "number", "from"},
    "text": {"내용", "문자", "답장", "메시지", "text", "message", "content", "body"},
    "received": {"수신시각", "받은시각", "시각", "일시", "received", "receivedat", "time", "date"},
}
LAYOUTS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
           "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")  # fmt: skip


@dataclass
class ReplyImport:
    kept: int = 0
    opt_outs: int = 0
    problems: list[str] = field(default_factory=list)


def received_time(text: str) -> datetime | None:
    """A time as a spreadsheet or a provider writes it; without a zone it is Korean time."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = next((_parsed(text, layout) for layout in LAYOUTS if _parsed(text, layout)), None)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SEOUL)


def _parsed(text: str, layout: str) -> datetime | None:
    try:
        return datetime.strptime(text, layout)
    except ValueError:
        return None


def _columns(table: Table) -> dict[str, int]:
    keys = [header.strip().casefold().replace(" ", "") for header in table.headers]
    found = {
        name: next(n for n, key in enumerate(keys) if key in names)
        for name, names in COLUMNS.items()
        if any(key in names for key in keys)
    }
    missing = [name for name in COLUMNS if name not in found]
    if missing:
        raise Invalid(
            _("머리글에 번호, 내용, 수신시각 열이 있어야 합니다 (없는 열: %(missing)s)",
              missing=", ".join(missing)),
            field="file",
        )  # fmt: skip
    return found


def import_replies(*, content: bytes) -> ReplyImport:
    """Keep every reply of the file; commits per reply. Invalid when the file cannot be read."""
    limits = Limits(current_app.config["IMPORT_MAX_ROWS"], current_app.config["IMPORT_MAX_COLUMNS"])
    table = read_table(content, limits)
    columns, result = _columns(table), ReplyImport()
    for row in table.rows:
        cells = {name: (row.cells[n] if n < len(row.cells) else "") for name, n in columns.items()}
        at = received_time(cells["received"])
        if at is None:
            problem = _("수신시각을 읽을 수 없습니다: %(value)s", value=cells["received"] or "—")
        elif not cells["text"].strip():
            problem = _("내용이 비어 있습니다")
        else:
            try:
                reply = record_reply(
                    phone=cells["phone"], text=cells["text"], received_at=at, source="import"
                )
            except Invalid as error:
                problem = error.message
            else:
                result.kept += 1
                result.opt_outs += reply.opt_out
                continue
        result.problems.append(_("%(row)d행: %(reason)s", row=row.number, reason=problem))
    return result
