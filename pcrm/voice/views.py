"""Staff pages of residents' voice: the inbox, an item with its triage, answer and trail, and
items recorded from other channels. Officers see their own department's items only."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE, Department
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.forms import drop_invalid, submit
from pcrm.inputs import page_number, query_int
from pcrm.voice import (  # noqa: F401  (api, public_views: their routes)
    api,
    casebook,
    handling,
    intake,
    officers,
    public_views,
    queries,
    reports,
)
from pcrm.voice.blueprint import bp
from pcrm.voice.deadlines import SEOUL
from pcrm.voice.forms import (
    ActionForm,
    AnswerForm,
    AssignForm,
    CaseForm,
    DirectAnswerForm,
    InboxFilter,
    MergeForm,
    OfficerForm,
    RecordForm,
    ReturnForm,
    StaffCommentForm,
)
from pcrm.voice.models import Outcome, VoiceChannel, VoiceStatus


@bp.get("/inbox")
def index():
    """The inbox: open items first, with their deadline lights."""
    filters = InboxFilter(request.args, meta={"csrf": False})
    drop_invalid(filters)
    status = VoiceStatus(filters.status.data) if filters.status.data else None
    shown = queries.inbox(current_user, status=status, mine=filters.mine.data, page=page_number())
    args = {"status": status.value if status else None, "mine": "y" if filters.mine.data else None}
    lights = queries.lights_by_officer(current_user)
    return render_template(
        "voice/index.html", shown=shown, filters=filters, lights=lights, args=args,
        may_read_officers=officers.may_read_own(current_user),
    )  # fmt: skip


def _assign_form(item) -> AssignForm:
    form = AssignForm()
    departments = db.session.scalars(db.select(Department).order_by(Department.name_ko))
    form.department_id.choices = [(d.id, d.name_ko) for d in departments]
    officers = handling.all_officers()
    form.officer_id.choices = [("", _("지정 안 함"))] + [
        (o.user_id, f"{o.user.name} ({o.department.name_ko})") for o in officers
    ]
    if request.method == "GET":
        form.department_id.data, form.officer_id.data = item.department_id, item.officer_id
    return form


def _forms(item) -> dict:
    answer = AnswerForm()
    if request.method == "GET" and item.answer:
        answer.outcome.data, answer.answer.data = item.outcome, item.answer
        answer.reason.data = item.reason
    return {
        "assign": _assign_form(item), "direct": DirectAnswerForm(), "merge": MergeForm(),
        "answer": answer, "back": ReturnForm(), "comment": StaffCommentForm(),
        "action": ActionForm(),
    }  # fmt: skip


@bp.get("/inbox/<int:item_id>")
def show(item_id: int):
    """One item: what the resident sent, its handling, the answer, comments and trail."""
    item = handling.open_item(current_user, item_id)
    return render_template(
        "voice/show.html", item=item, forms=_forms(item), light=queries.item_light(item),
        may_approve=handling.may_approve(item, current_user),
    )  # fmt: skip


def _act(item_id: int, form_class, use_case, done: str):
    """Run one step of an item from its form; back to the item, with the refusal if any."""
    item = handling.item_for(current_user, item_id)
    form = form_class()
    if submit(form, lambda: use_case(item, form) or True):
        flash(done, "success")
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        flash(" ".join(problems) or _("처리하지 못했습니다."), "error")
    return redirect(url_for("voice.show", item_id=item.id))


@bp.post("/inbox/<int:item_id>/assign")
@roles_required(*PR_OFFICE)
def assign(item_id: int):
    """Route the item to a department and one of its officers."""

    def use_case(item, form):
        handling.assign(
            item, user=current_user, department_id=form.department_id.data,
            officer_id=form.officer_id.data,
        )  # fmt: skip

    return _act(item_id, AssignForm, use_case, _("부서에 배정했습니다."))


@bp.post("/inbox/<int:item_id>/answer-now")
@roles_required(*PR_OFFICE)
def answer_now(item_id: int):
    """PR answers at once (information given)."""

    def use_case(item, form):
        handling.answer_directly(item, user=current_user, answer=form.answer.data)

    return _act(item_id, DirectAnswerForm, use_case, _("답변했습니다."))


@bp.post("/inbox/<int:item_id>/merge")
@roles_required(*PR_OFFICE)
def merge(item_id: int):
    """Close a duplicate of another item."""

    def use_case(item, form):
        handling.merge(item, user=current_user, into_id=form.into_id.data)

    return _act(item_id, MergeForm, use_case, _("중복으로 합쳤습니다."))


@bp.post("/inbox/<int:item_id>/submit")
def submit_answer(item_id: int):
    """The officer's answer, for approval."""

    def use_case(item, form):
        handling.submit_answer(
            item, user=current_user, outcome=Outcome(form.outcome.data),
            answer=form.answer.data, reason=form.reason.data or "",
        )  # fmt: skip

    return _act(item_id, AnswerForm, use_case, _("결재를 요청했습니다."))


@bp.post("/inbox/<int:item_id>/approve")
def approve(item_id: int):
    """Approve the answer: the item is done and the answer goes to the resident."""

    def use_case(item, form):
        handling.approve(item, user=current_user)

    return _act(item_id, ActionForm, use_case, _("승인했습니다. 답변을 주민에게 보냅니다."))


@bp.post("/inbox/<int:item_id>/return")
def return_answer(item_id: int):
    """Send the answer back to the officer."""

    def use_case(item, form):
        handling.return_answer(item, user=current_user, note=form.note.data)

    return _act(item_id, ReturnForm, use_case, _("답변을 반려했습니다."))


@bp.post("/inbox/<int:item_id>/comment")
def comment(item_id: int):
    """A staff comment: a note only staff see, or one for the resident."""

    def use_case(item, form):
        handling.add_comment(
            item, user=current_user, body=form.body.data, staff_only=form.staff_only.data
        )

    return _act(item_id, StaffCommentForm, use_case, _("덧글을 남겼습니다."))


@bp.route("/inbox/new", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def record():
    """Record an item that came by phone, a visit or social media."""
    form = RecordForm()
    item = submit(form, lambda: intake.receive(_recorded(form), recorded_by=current_user))
    if item is not None:
        flash(_("접수했습니다. 접수번호 %(n)s", n=item.number), "success")
        return redirect(url_for("voice.show", item_id=item.id))
    return render_template("voice/record.html", form=form)


def _recorded(form: RecordForm) -> intake.Intake:
    return intake.Intake(
        body=form.body.data, channel=VoiceChannel(form.channel.data),
        source_url=form.source_url.data or "", field_code=form.field_code.data or None,
        dong_id=form.dong_id.data, email=form.email.data or None, phone=form.phone.data or None,
    )  # fmt: skip


@bp.route("/inbox/<int:item_id>/case", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def case(item_id: int):
    """Put a good case in the public case book, rewritten without personal data."""
    item = handling.item_for(current_user, item_id)
    form = CaseForm()
    if request.method == "GET":
        form.title.data = item.case_title
        form.text.data = item.case_text or casebook.draft(item)
    use_case = lambda: casebook.publish(  # noqa: E731
        item, user=current_user, title=form.title.data, text=form.text.data,
        reviewed=form.reviewed.data,
    )  # fmt: skip
    if submit(form, use_case) is not None:
        flash(_("사례집에 실었습니다."), "success")
        return redirect(url_for("voice.show", item_id=item.id))
    flagged = casebook.flags(form.text.data or "")
    return render_template("voice/case.html", item=item, form=form, flagged=flagged)


@bp.post("/inbox/<int:item_id>/case/remove")
@roles_required(*PR_OFFICE)
def unpublish(item_id: int):
    """Take a case out of the case book."""

    def use_case(item, form):
        casebook.unpublish(item, user=current_user)

    return _act(item_id, ActionForm, use_case, _("사례집에서 내렸습니다."))


def _report_args() -> tuple[int, str]:
    year = query_int("year", utcnow().astimezone(SEOUL).year)
    if not 2000 <= year <= 2100:
        year = utcnow().astimezone(SEOUL).year
    grouping = request.args.get("by", "month")
    return year, grouping if grouping in reports.GROUPINGS else "month"


@bp.get("/inbox/report")
def report():
    """The figures: by month, department, channel or officer, with the late rate."""
    year, grouping = _report_args()
    rows, total = reports.report(current_user, year=year, grouping=grouping)
    return render_template(
        "voice/report.html", rows=rows, total=total, year=year, grouping=grouping,
        groupings=reports.GROUPINGS, columns=reports.COLUMNS, cells=reports.cells,
    )  # fmt: skip


@bp.get("/inbox/report.<fmt>")
def report_file(fmt: str):
    """The same figures as CSV or XLSX."""
    if fmt not in reports.FORMATS:
        return redirect(url_for("voice.report"))
    year, grouping = _report_args()
    name, mimetype, body = reports.export(current_user, year=year, grouping=grouping, fmt=fmt)
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    return Response(body, mimetype=mimetype, headers=headers)


@bp.get("/inbox/officers")
def officer_departments():
    """Every department and its officers (소통담당); a head officer goes to their own list."""
    if not officers.may_manage(current_user):
        if not officers.may_read_own(current_user):
            abort(403)
        return redirect(
            url_for("voice.department_officers", department_id=current_user.department_id)
        )
    return render_template("voice/officer_departments.html", rows=officers.departments())


def _officer_form(department) -> OfficerForm:
    form = OfficerForm()
    form.user_id.choices = [("", _("고르세요"))] + [
        (u.id, f"{u.name} ({u.email})") for u in officers.candidates(department.id)
    ]
    return form


@bp.route("/inbox/officers/<int:department_id>", methods=["GET", "POST"])
def department_officers(department_id: int):
    """A department's officers: PR staff name, remove and mark heads; its head officer reads."""
    department = officers.department_for(current_user, department_id)
    form = _officer_form(department)
    if request.method == "POST":
        if not officers.may_manage(current_user):
            abort(403)
        use_case = lambda: officers.name(  # noqa: E731
            user=current_user, department=department, user_id=form.user_id.data,
            head=form.head.data,
        )  # fmt: skip
        if submit(form, use_case) is not None:
            flash(_("소통담당을 지정했습니다."), "success")
            return redirect(url_for("voice.department_officers", department_id=department.id))
    return render_template(
        "voice/officers.html", department=department, form=form, action=ActionForm(),
        rows=officers.officers(department.id), manage=officers.may_manage(current_user),
    )  # fmt: skip


def _officer_act(department_id: int, officer_id: int, use_case) -> Response:
    department = officers.department_for(current_user, department_id)
    officer = officers.officer_of(department, officer_id)
    form = ActionForm()
    if submit(form, lambda: use_case(officer) or True) is None:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        flash(" ".join(problems) or _("처리하지 못했습니다."), "error")
    return redirect(url_for("voice.department_officers", department_id=department.id))


@bp.post("/inbox/officers/<int:department_id>/<int:officer_id>/head")
@roles_required(*PR_OFFICE)
def officer_head(department_id: int, officer_id: int):
    """Mark or unmark a head officer."""
    head = request.form.get("head") == "1"

    def use_case(officer):
        officers.set_head(user=current_user, officer=officer, head=head)
        flash(_("책임 소통담당을 바꿨습니다."), "success")

    return _officer_act(department_id, officer_id, use_case)


@bp.post("/inbox/officers/<int:department_id>/<int:officer_id>/remove")
@roles_required(*PR_OFFICE)
def officer_remove(department_id: int, officer_id: int):
    """Remove an officer; their open items go back to the department's unassigned list."""

    def use_case(officer):
        name = officer.user.name
        n = officers.remove(user=current_user, officer=officer)
        flash(
            _("%(name)s 님을 소통담당에서 뺐습니다. 처리 중이던 의견 %(n)d건은 부서 미배정 "
              "목록으로 돌아갔습니다.", name=name, n=n),
            "success",
        )  # fmt: skip

    return _officer_act(department_id, officer_id, use_case)
