"""Each department's officers for residents' voice (소통담당): PR staff name and remove them and
mark the head officer(s); a department's head officer reads the list. Each use case commits."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from pcrm.auth.models import Department, Role, User
from pcrm.errors import Conflict, Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.voice.audit import record_transition
from pcrm.voice.models import VoiceAction, VoiceItem, VoiceOfficer, VoiceStatus


def _is_head(user: User, department_id: int) -> bool:
    query = select(VoiceOfficer.id).where(
        VoiceOfficer.department_id == department_id,
        VoiceOfficer.user_id == user.id,
        VoiceOfficer.head.is_(True),
    )
    return user.role is Role.DEPARTMENT and db.session.scalar(query) is not None


def may_manage(user: User) -> bool:
    """Naming and removing officers is PR staff's (and admins')."""
    return user.sees_all_departments


def department_for(user: User, department_id: int) -> Department:
    """The department whose list `user` may read: any for PR staff, their own for its head
    officer; anything else is a plain 404."""
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound(_("찾을 수 없습니다."))
    if may_manage(user):
        return department
    if user.department_id != department_id or not _is_head(user, department_id):
        raise NotFound(_("찾을 수 없습니다."))
    return department


def may_read_own(user: User) -> bool:
    """A department user sees the page only as a head officer of their department."""
    return user.department_id is not None and _is_head(user, user.department_id)


@dataclass(frozen=True)
class OfficerRow:
    officer: VoiceOfficer
    open_items: int


def _open_items(department_id: int, user_id: int):
    return select(VoiceItem).where(
        VoiceItem.department_id == department_id,
        VoiceItem.officer_id == user_id,
        VoiceItem.status != VoiceStatus.DONE,
    )


def officers(department_id: int) -> list[OfficerRow]:
    """The department's officers, heads first, with how many open items each holds."""
    query = (
        select(VoiceOfficer)
        .join(User, User.id == VoiceOfficer.user_id)
        .where(VoiceOfficer.department_id == department_id)
        .order_by(VoiceOfficer.head.desc(), User.name, VoiceOfficer.id)
    )
    held = dict(
        db.session.execute(
            select(VoiceItem.officer_id, func.count())
            .where(
                VoiceItem.department_id == department_id,
                VoiceItem.status != VoiceStatus.DONE,
                VoiceItem.officer_id.is_not(None),
            )
            .group_by(VoiceItem.officer_id)
        ).all()
    )
    return [OfficerRow(o, held.get(o.user_id, 0)) for o in db.session.scalars(query)]


def candidates(department_id: int) -> list[User]:
    """Who may be named: active staff of the department not named yet."""
    named = select(VoiceOfficer.user_id).where(VoiceOfficer.department_id == department_id)
    query = select(User).where(
        User.department_id == department_id,
        User.active.is_(True),
        User.id.not_in(named),
    )
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def departments() -> list[tuple[Department, int, int]]:
    """Every department with its number of officers and head officers."""
    counts = {
        department_id: (n, heads)
        for department_id, n, heads in db.session.execute(
            select(
                VoiceOfficer.department_id,
                func.count(),
                func.count().filter(VoiceOfficer.head.is_(True)),
            ).group_by(VoiceOfficer.department_id)
        )
    }
    rows = db.session.scalars(select(Department).order_by(Department.name_ko))
    return [(d, *counts.get(d.id, (0, 0))) for d in rows]


def _require_manager(user: User) -> None:
    if not may_manage(user):
        raise Forbidden(_("공보 담당만 할 수 있습니다."))


def name(*, user: User, department: Department, user_id: int | None, head: bool) -> VoiceOfficer:
    """Name an active staff member of the department as its officer."""
    _require_manager(user)
    if user_id not in {u.id for u in candidates(department.id)}:
        raise Invalid(_("이 부서의 재직 중인 직원을 골라 주세요."), field="user_id")
    officer = VoiceOfficer(department_id=department.id, user_id=user_id, head=head)
    db.session.add(officer)
    db.session.commit()
    return officer


def officer_of(department: Department, officer_id: int) -> VoiceOfficer:
    officer = db.session.get(VoiceOfficer, officer_id)
    if officer is None or officer.department_id != department.id:
        raise NotFound(_("찾을 수 없습니다."))
    return officer


def set_head(*, user: User, officer: VoiceOfficer, head: bool) -> None:
    """Mark (or unmark) a head officer, who approves answers and gets escalations."""
    _require_manager(user)
    if officer.head == head:
        raise Conflict(_("이미 그렇게 되어 있습니다."))
    officer.head = head
    db.session.commit()


def remove(*, user: User, officer: VoiceOfficer) -> int:
    """Remove an officer; their open items go back to the department's unassigned list, each
    with a line in its trail. Returns how many went back."""
    _require_manager(user)
    name_ko = officer.user.name
    items = list(db.session.scalars(_open_items(officer.department_id, officer.user_id)))
    for item in items:
        item.officer_id = None
        record_transition(
            item, user, VoiceAction.UNASSIGNED, item.status,
            f"소통담당 {name_ko} 해제: 부서 미배정 목록으로",
        )  # fmt: skip
    db.session.delete(officer)
    db.session.commit()
    return len(items)
