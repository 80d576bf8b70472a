"""Projects and who may see and change them: the rules surveys and campaigns reuse.

Department staff see and change only their own department's projects (anything else is a
plain 404); PR staff see every project and change their own office's; admins change all.
"""

from flask_babel import gettext as _
from sqlalchemy import Select

from pcrm.auth import service as auth_service
from pcrm.auth.access import ensure_department
from pcrm.auth.models import Department, Role, User
from pcrm.errors import Conflict, Forbidden, NotFound
from pcrm.extensions import db
from pcrm.projects.models import Project


def narrow_to_visible(query: Select, user: User) -> Select:
    """`query`, which selects or joins Project, narrowed to the projects `user` may see."""
    if user.sees_all_departments:
        return query
    return query.where(Project.department_id == user.department_id)


def projects_visible_to(user: User) -> Select:
    """A query of the projects `user` may see (archived ones included)."""
    return narrow_to_visible(db.select(Project), user)


def projects_to_use(user: User) -> list[Project]:
    """Current projects `user` may attach a survey or a campaign to, by name."""
    query = projects_visible_to(user).where(Project.archived.is_(False))
    return list(db.session.scalars(query.order_by(Project.name_ko)))


def list_projects(
    user: User, *, department_id: int | None = None, include_archived: bool = False
) -> list[Project]:
    """Projects `user` may see, optionally of one department, current ones first."""
    query = projects_visible_to(user)
    if department_id:
        query = query.where(Project.department_id == department_id)
    if not include_archived:
        query = query.where(Project.archived.is_(False))
    order = (Project.archived, Project.created_at.desc(), Project.id.desc())
    return list(db.session.scalars(query.order_by(*order)))


def project_for(user: User, project_id: int) -> Project:
    """The project if `user` may see it; NotFound (404) when it is missing or not theirs."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound(_("찾을 수 없습니다."))
    ensure_department(project.department_id, user)
    return project


def editable_project(user: User, project_id: int) -> Project:
    """The project if `user` may change it: 404 when they cannot see it, 403 when only see it."""
    project = project_for(user, project_id)
    _ensure_can_edit(user, project.department_id)
    return project


def can_edit(user: User, department_id: int) -> bool:
    """Admins change every project; others only their own department's."""
    return user.role is Role.ADMIN or user.department_id == department_id


def departments_for(user: User) -> list[Department]:
    """The departments `user` may create projects in."""
    if user.role is Role.ADMIN:
        return auth_service.departments()
    return [user.department] if user.department is not None else []


def _ensure_can_edit(user: User, department_id: int) -> None:
    ensure_department(department_id, user)
    if not can_edit(user, department_id):
        raise Forbidden(_("이 부서의 사업을 바꿀 권한이 없습니다."))


def _ensure_unique_name(department_id: int, name_ko: str, project: Project | None = None) -> None:
    same = db.session.scalar(
        db.select(Project).where(Project.department_id == department_id, Project.name_ko == name_ko)
    )
    if same is not None and same is not project:
        raise Conflict(_("이 부서에 같은 이름의 사업이 이미 있습니다: %(name)s", name=name_ko))


def create_project(
    *, user: User, department_id: int, name_ko: str, name_en: str = "", description: str = ""
) -> Project:
    """Add a project to a department `user` may change."""
    _ensure_can_edit(user, department_id)
    name_ko = name_ko.strip()
    _ensure_unique_name(department_id, name_ko)
    project = Project(
        department_id=department_id,
        name_ko=name_ko,
        name_en=name_en.strip(),
        description=description.strip(),
    )
    db.session.add(project)
    db.session.commit()
    return project


def update_project(
    *,
    user: User,
    project: Project,
    department_id: int,
    name_ko: str,
    name_en: str = "",
    description: str = "",
) -> Project:
    """Change a project; moving it needs the right to change both departments."""
    _ensure_can_edit(user, project.department_id)
    _ensure_can_edit(user, department_id)
    name_ko = name_ko.strip()
    _ensure_unique_name(department_id, name_ko, project)
    project.department_id, project.name_ko = department_id, name_ko
    project.name_en, project.description = name_en.strip(), description.strip()
    db.session.commit()
    return project


def set_archived(*, user: User, project: Project, archived: bool) -> Project:
    """Archive a finished project (kept with its surveys and reports) or bring it back."""
    _ensure_can_edit(user, project.department_id)
    project.archived = archived
    db.session.commit()
    return project
