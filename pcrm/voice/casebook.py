"""The public case book: good cases PR staff choose, published only as a person rewrote them
without personal data; what looks like a name, a number or an address is flagged for them."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid
from pcrm.extensions import db
from pcrm.voice.audit import record_transition
from pcrm.voice.models import Outcome, VoiceAction, VoiceItem, VoiceStatus

# What looks like personal data in Korean text, for the reviewer (not a filter: a person
# decides). Each with what it is, in words.
PATTERNS = (
    (_l("전화번호"), re.compile(r"(?<!\d)0\d{1,2}[-.\s]?\d{3,4}[-.\s]?\d{4}(?!\d)")),
    (_l("주민등록번호"), re.compile(r"(?<!\d)\d{6}[-\s]?[1-8]\d{6}(?!\d)")),
    (_l("이메일"), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        _l("주소"),
        re.compile(
            r"[가-힣0-9]+(?:로|길)\s?\d+(?:-\d+)?(?:번길\s?\d+)?|\d+(?:-\d+)?\s?번지|\d+동\s?\d+호"
        ),
    ),
    (_l("이름"), re.compile(r"[가-힣]{2,4}(?=\s?(?:님|씨|어르신))")),
)
PUBLISHABLE = (Outcome.RESOLVED, Outcome.LONG_TERM, Outcome.INFORMATION, Outcome.REFUSED)


@dataclass(frozen=True)
class Flag:
    what: str
    text: str


def flags(text: str) -> list[Flag]:
    """Everything in `text` that looks like personal data, in order, each once."""
    found = {}
    for what, pattern in PATTERNS:
        for match in pattern.finditer(text or ""):
            found.setdefault(match.group().strip(), Flag(str(what), match.group().strip()))
    return list(found.values())


def draft(item: VoiceItem) -> str:
    """The reviewer's starting text: the message and its answer, to be rewritten."""
    return f"{item.body}\n\n{_('답변')}: {item.answer}".strip()


def publish(item: VoiceItem, *, user: User, title: str, text: str, reviewed: bool) -> VoiceItem:
    """Put a done item in the case book as the reviewer rewrote it; commits. Refused unless
    they confirm they removed personal data (each flag was shown to them)."""
    if item.status is not VoiceStatus.DONE or item.outcome not in PUBLISHABLE:
        raise Conflict(_("답변을 마친 의견만 사례집에 실을 수 있습니다."))
    if not (title or "").strip():
        raise Invalid(_("제목을 적어 주세요."), field="title")
    if not (text or "").strip():
        raise Invalid(_("사례 내용을 적어 주세요."), field="text")
    if not reviewed:
        raise Invalid(_("개인정보를 지웠는지 확인해 주세요."), field="reviewed")
    item.case_title, item.case_text = title.strip()[:200], text.strip()
    item.published_at, item.published_by_id = utcnow(), user.id
    record_transition(item, user, VoiceAction.PUBLISHED, item.status, item.case_title)
    db.session.commit()
    return item


def unpublish(item: VoiceItem, *, user: User) -> None:
    if item.published_at is None:
        raise Conflict(_("사례집에 실리지 않은 의견입니다."))
    item.published_at = None
    record_transition(item, user, VoiceAction.UNPUBLISHED, item.status)
    db.session.commit()


def published(page: int, per_page: int = 20):
    query = db.select(VoiceItem).where(VoiceItem.published_at.is_not(None))
    query = query.order_by(VoiceItem.published_at.desc(), VoiceItem.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
