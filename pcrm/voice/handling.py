"""What staff do with an item: PR triage (answer at once, merge, assign), the officer's answer,
its approval, and comments. Every change of status is in the trail; each use case commits."""

from flask_babel import gettext as _

from pcrm.auth.access import ensure_department
from pcrm.auth.models import Department, Role, User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.subscribers.service import record_view
from pcrm.voice.answering import enqueue_answer
from pcrm.voice.audit import record_transition
from pcrm.voice.models import (
    ANSWER_OUTCOMES,
    Outcome,
    VoiceAction,
    VoiceComment,
    VoiceItem,
    VoiceOfficer,
    VoiceStatus,
)


def item_for(user: User, item_id: int) -> VoiceItem:
    """The item if `user` may see it: PR staff all, an officer only their department's (404)."""
    item = db.session.get(VoiceItem, item_id)
    if item is None:
        raise NotFound(_("찾을 수 없습니다."))
    if not user.sees_all_departments:
        if item.department_id is None:
            raise NotFound(_("찾을 수 없습니다."))
        ensure_department(item.department_id, user)
    return item


def open_item(user: User, item_id: int) -> VoiceItem:
    """The item for its page; the view is written to the access log."""
    item = item_for(user, item_id)
    record_view(user=user, what=f"의견 {item.number}", record_count=1)
    return item


def _require(item: VoiceItem, *statuses: VoiceStatus) -> None:
    if item.status not in statuses:
        raise Conflict(_("이 의견은 지금 그 처리를 할 수 없는 단계입니다."))


def _require_pr(user: User) -> None:
    if not user.sees_all_departments:
        raise Forbidden(_("공보 담당만 할 수 있습니다."))


def _move(item: VoiceItem, user: User, action: VoiceAction, to: VoiceStatus, note="") -> None:
    before, item.status = item.status, to
    record_transition(item, user, action, before, note)


def _active(query):
    """Officers whose staff account is active: one who left is offered no new items."""
    return query.join(User, User.id == VoiceOfficer.user_id).where(User.active.is_(True))


def officers_of(department_id: int) -> list[VoiceOfficer]:
    query = db.select(VoiceOfficer).where(VoiceOfficer.department_id == department_id)
    return list(db.session.scalars(_active(query).order_by(VoiceOfficer.id)))


def assign(item: VoiceItem, *, user: User, department_id: int, officer_id: int | None) -> None:
    """Route the item to a department (and one of its named officers)."""
    _require_pr(user)
    _require(item, VoiceStatus.RECEIVED, VoiceStatus.IN_PROGRESS)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None:
        raise Invalid(_("부서를 골라 주세요."), field="department_id")
    named = {officer.user_id for officer in officers_of(department_id)}
    if officer_id is not None and officer_id not in named:
        raise Invalid(_("그 부서의 소통담당이 아닙니다."), field="officer_id")
    item.department_id, item.officer_id = department_id, officer_id
    _move(item, user, VoiceAction.ASSIGNED, VoiceStatus.IN_PROGRESS, department.name_ko)
    db.session.commit()


def _close(item: VoiceItem, user: User, action: VoiceAction) -> None:
    item.answered_at = utcnow()
    _move(item, user, action, VoiceStatus.DONE)
    db.session.commit()
    enqueue_answer(item)


def answer_directly(item: VoiceItem, *, user: User, answer: str) -> None:
    """PR staff answer at once what needs no department (information given)."""
    _require_pr(user)
    _require(item, VoiceStatus.RECEIVED, VoiceStatus.IN_PROGRESS)
    item.outcome, item.answer = Outcome.INFORMATION, _text(answer, "answer")
    _close(item, user, VoiceAction.ANSWERED)


def merge(item: VoiceItem, *, user: User, into_id: int) -> None:
    """Close a duplicate: it is answered with the item it repeats."""
    _require_pr(user)
    _require(item, VoiceStatus.RECEIVED, VoiceStatus.IN_PROGRESS)
    target = db.session.get(VoiceItem, into_id)
    if target is None or target.id == item.id or target.duplicate_of_id is not None:
        raise Invalid(_("합칠 의견의 번호가 올바르지 않습니다."), field="into_id")
    item.duplicate_of_id, item.outcome = target.id, Outcome.MERGED
    item.answered_at = utcnow()
    _move(item, user, VoiceAction.MERGED, VoiceStatus.DONE, target.number)
    db.session.commit()


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(_("답변을 적어 주세요."), field=field)
    return text


def _may_answer(item: VoiceItem, user: User) -> None:
    if not user.sees_all_departments and user.department_id != item.department_id:
        raise NotFound(_("찾을 수 없습니다."))


def submit_answer(
    item: VoiceItem, *, user: User, outcome: Outcome, answer: str, reason: str = ""
) -> None:
    """The officer's answer and outcome, for approval (결재)."""
    _may_answer(item, user)
    _require(item, VoiceStatus.IN_PROGRESS)
    if outcome not in ANSWER_OUTCOMES:
        raise Invalid(_("처리 결과를 골라 주세요."), field="outcome")
    if outcome is Outcome.REFUSED and not (reason or "").strip():
        raise Invalid(_("불가한 이유를 적어 주세요."), field="reason")
    item.outcome, item.answer = outcome, _text(answer, "answer")
    item.reason = (reason or "").strip()
    item.officer_id = item.officer_id or user.id
    _move(item, user, VoiceAction.SUBMITTED, VoiceStatus.APPROVAL)
    db.session.commit()


def all_officers() -> list[VoiceOfficer]:
    query = _active(db.select(VoiceOfficer))
    return list(db.session.scalars(query.order_by(VoiceOfficer.department_id)))


def may_approve(item: VoiceItem, user: User) -> bool:
    """PR staff, or the head officer of the item's department."""
    if user.sees_all_departments:
        return True
    if item.department_id is None:
        return False
    heads = {o.user_id for o in officers_of(item.department_id) if o.head}
    return user.role is Role.DEPARTMENT and user.id in heads


def approve(item: VoiceItem, *, user: User) -> None:
    """Approve the answer: the item is done and the answer goes to the resident."""
    _may_answer(item, user)
    if not may_approve(item, user):
        raise Forbidden(_("결재 권한이 없습니다."))
    _require(item, VoiceStatus.APPROVAL)
    _close(item, user, VoiceAction.APPROVED)


def return_answer(item: VoiceItem, *, user: User, note: str) -> None:
    """Send the answer back to the officer with what to change."""
    _may_answer(item, user)
    if not may_approve(item, user):
        raise Forbidden(_("결재 권한이 없습니다."))
    _require(item, VoiceStatus.APPROVAL)
    _move(item, user, VoiceAction.RETURNED, VoiceStatus.IN_PROGRESS, (note or "").strip())
    db.session.commit()


def add_comment(item: VoiceItem, *, user: User | None, body: str, staff_only: bool) -> VoiceComment:
    """A comment from staff (a note only staff see, or one the resident reads) or from the
    resident (`user` None)."""
    text = (body or "").strip()
    if not text:
        raise Invalid(_("내용을 적어 주세요."), field="body")
    if len(text) > 2000:
        raise Invalid(_("내용은 %(n)d자까지 보낼 수 있습니다.", n=2000), field="body")
    comment = VoiceComment(author=user, body=text, staff_only=staff_only)
    item.comments.append(comment)
    db.session.commit()
    return comment
