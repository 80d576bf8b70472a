"""Projects of each department."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth import service as auth_service
from pcrm.forms import submit
from pcrm.projects import service
from pcrm.projects.forms import ProjectFilterForm, ProjectForm

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
def index():
    """The projects the signed-in person may see; PR and admins filter by department."""
    departments = auth_service.departments() if current_user.sees_all_departments else []
    filters = ProjectFilterForm(departments, formdata=request.args)
    projects = service.list_projects(
        current_user,
        department_id=filters.department.data if departments else None,
        include_archived=filters.archived.data,
    )
    return render_template("projects/index.html", projects=projects, filters=filters)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create a project in one's own department (admins: any department)."""
    form = ProjectForm(current_user)
    project = submit(
        form, lambda: service.create_project(user=current_user, **form.fields_for_service())
    )
    if project is not None:
        flash(_("사업 “%(name)s”을(를) 만들었습니다.", name=project.name_ko), "success")
        return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


@bp.get("/<int:project_id>")
def show(project_id: int):
    """One project."""
    project = service.project_for(current_user, project_id)
    editable = service.can_edit(current_user, project.department_id)
    return render_template("projects/show.html", project=project, editable=editable)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
def edit(project_id: int):
    """Change a project's name, department or description."""
    project = service.editable_project(current_user, project_id)
    form = ProjectForm(current_user, obj=project)
    saved = submit(
        form,
        lambda: service.update_project(
            user=current_user, project=project, **form.fields_for_service()
        ),
    )
    if saved is not None:
        flash(_("사업을 저장했습니다."), "success")
        return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


@bp.post("/<int:project_id>/archive")
def archive(project_id: int):
    """Archive a project, or bring an archived one back."""
    project = service.editable_project(current_user, project_id)
    archived = request.form.get("archived") == "1"
    service.set_archived(user=current_user, project=project, archived=archived)
    flash(_("사업을 보관했습니다.") if archived else _("사업을 다시 꺼냈습니다."), "success")
    return redirect(url_for("projects.show", project_id=project.id))
