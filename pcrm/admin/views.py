"""Administration of staff accounts and departments (admins only)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.admin.forms import NO_DEPARTMENT, DepartmentForm, NewStaffForm, StaffForm
from pcrm.auth import invitations, service
from pcrm.auth.access import roles_required
from pcrm.auth.models import Department, Role, User
from pcrm.errors import DomainError
from pcrm.extensions import db
from pcrm.forms import submit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """Every staff account."""
    return render_template("admin/users.html", users=service.staff())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Create a staff account."""
    form = NewStaffForm()
    user = submit(
        form, lambda: invitations.create_invited_user(actor=current_user, **form.account())
    )
    if user is not None:
        message = _(
            "%(name)s 님의 계정을 만들고 %(email)s(으)로 초대 메일을 보냈습니다. "
            "받은 링크에서 직접 비밀번호를 정합니다.",
            name=user.name,
            email=user.email,
        )
        flash(message, "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change a staff account: name, role, department, active, a new password."""
    user = db.get_or_404(User, user_id)
    form = StaffForm(obj=user, department=user.department_id or NO_DEPARTMENT)
    changed = submit(form, lambda: service.update_user(user, actor=current_user, **form.account()))
    if changed is not None:
        flash(_("%(name)s 님의 계정을 저장했습니다.", name=user.name), "success")
        return redirect(url_for("admin.users"))
    invitation = invitations.latest(user)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        sessions=service.open_sessions(user),
        invitation=invitation,
        link_state=invitations.state(invitation),
    )


@bp.post("/users/<int:user_id>/invitation")
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int):
    """A new invitation link by e-mail (the earlier one stops working)."""
    user = db.get_or_404(User, user_id)
    act = lambda: invitations.invite(user, actor=current_user)  # noqa: E731
    if _act(act):
        flash(_("%(email)s(으)로 새 초대 메일을 보냈습니다.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/invitation/revoke")
@roles_required(Role.ADMIN)
def revoke_invitation(user_id: int):
    """Take the open invitation link back: it stops working at once."""
    user = db.get_or_404(User, user_id)
    if _act(lambda: invitations.revoke(user)):
        flash(_("%(name)s 님의 초대 링크를 취소했습니다.", name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _act(use_case) -> bool:
    """Run a use case behind a bare button (CSRFProtect checks every POST); a refusal is
    flashed."""
    try:
        use_case()
    except DomainError as refusal:
        flash(refusal.message, "error")
        return False
    return True


@bp.post("/users/<int:user_id>/sessions/end")
@roles_required(Role.ADMIN)
def end_sessions(user_id: int):
    """Sign a staff member out on every device (a lost laptop, a shared password)."""
    user = db.get_or_404(User, user_id)
    ended = service.end_all_sessions(user, actor=current_user)
    flash(_("%(name)s 님의 로그인 세션 %(n)d개를 끝냈습니다.", name=user.name, n=ended), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    """Clear a lost phone's two-factor enrolment; the next sign-in enrols again."""
    user = db.get_or_404(User, user_id)
    service.reset_two_factor(user, actor=current_user)
    flash(_("%(name)s 님의 2단계 인증을 초기화했습니다.", name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.get("/departments")
@roles_required(Role.ADMIN)
def departments():
    """Every department and how many staff it has."""
    return render_template(
        "admin/departments.html",
        departments=service.departments(),
        staff_counts=service.staff_counts(),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_department():
    """Add a department."""
    form = DepartmentForm()
    department = submit(form, lambda: service.create_department(**form.names()))
    if department is not None:
        flash(_("%(name)s 부서를 만들었습니다.", name=department.name_ko), "success")
        return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_department(department_id: int):
    """Rename a department."""
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm(obj=department)
    saved = submit(form, lambda: service.update_department(department, **form.names()))
    if saved is not None:
        flash(_("%(name)s 부서를 저장했습니다.", name=department.name_ko), "success")
        return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=department)
