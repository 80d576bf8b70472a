"""The registry for PR staff: browse, open, create, edit, erase, export; the access log."""

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE, Role
from pcrm.errors import DomainError
from pcrm.inputs import page_number, query_int
from pcrm.subscribers import (  # noqa: F401  (routes)
    access_log,
    choices,
    export,
    import_views,
    public_views,
    segment_views,
    service,
)
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.blueprint import bp
from pcrm.subscribers.browse import PAGE_SIZE, describe
from pcrm.subscribers.forms import EraseForm, FilterForm, SubscriberForm
from pcrm.subscribers.models import Channel, Gender, Kind

__all__ = ["bp"]


@bp.get("/subscribers/")
@roles_required(*PR_OFFICE)
def index():
    """Search, filter, sort and page through the registry."""
    form = FilterForm(request.args)
    browse = form.browse()
    page = service.registry_page(
        browse,
        user=current_user,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    skip = ("after", "before", "n")
    args = {k: request.args.getlist(k) for k in request.args if k not in skip}
    # Keyset pages have no offset: the page's number travels with the links to it.
    pages = max(1, -(-page.total // PAGE_SIZE))
    number = min(max(query_int("n", 1), 1), pages)
    return render_template(
        "subscribers/index.html",
        form=form, page=page, args=args, choices=choices, number=number, pages=pages,
        filters=describe(browse),
        filtered=bool(browse.q or browse.status or browse.criteria != Criteria()),
    )  # fmt: skip


@bp.get("/subscribers/<int:subscriber_id>")
@roles_required(*PR_OFFICE)
def detail(subscriber_id: int):
    """One subscriber: details, interests, consent history, messages and responses."""
    record = service.open_subscriber(subscriber_id, user=current_user)
    return render_template(
        "subscribers/detail.html", record=record, choices=choices, erase_form=EraseForm()
    )


def _data(form: SubscriberForm) -> service.SubscriberData:
    return service.SubscriberData(
        kind=Kind(form.kind.data),
        name=form.name.data,
        email=form.email.data or None,
        phone=form.phone.data or None,
        birth_year=form.birth_year.data,
        gender=Gender(form.gender.data) if form.gender.data else None,
        dong_id=form.dong_id.data,
        business_type_code=form.business_type_code.data or None,
        fields=frozenset(form.fields.data or ()),
        channels=frozenset(Channel(c) for c in form.channels.data or ()),
        night_sms=form.night_sms.data,
        guardian_agreed=form.guardian_agreed.data,
    )


def _save(form: SubscriberForm, subscriber):
    if not form.validate_on_submit():
        return None
    try:
        saved = service.save_subscriber(
            subscriber, data=_data(form), evidence=form.evidence.data, user=current_user
        )
    except DomainError as error:
        flash(error.message, "error")
        return None
    flash(_("저장했습니다."), "success")
    return redirect(url_for("subscribers.detail", subscriber_id=saved.id))


@bp.route("/subscribers/new", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def create():
    """Register a subscriber from a paper form or a call."""
    form = SubscriberForm()
    return _save(form, None) or render_template("subscribers/edit.html", form=form, subscriber=None)


@bp.route("/subscribers/<int:subscriber_id>/edit", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def edit(subscriber_id: int):
    """Correct a subscriber's details and consents (each change goes to the ledger)."""
    subscriber = service.get_subscriber(subscriber_id)
    form = SubscriberForm(obj=subscriber)
    if request.method == "GET":
        form.fields.data = [f.code for f in subscriber.interests]
        form.channels.data = [c for c, on in (("email", subscriber.email_opt_in),
                                              ("sms", subscriber.sms_opt_in)) if on]  # fmt: skip
        form.night_sms.data = subscriber.night_sms_opt_in
        form.evidence.data = ""
    return _save(form, subscriber) or render_template(
        "subscribers/edit.html", form=form, subscriber=subscriber
    )


@bp.post("/subscribers/<int:subscriber_id>/erase")
@roles_required(*PR_OFFICE)
def erase(subscriber_id: int):
    """Erase a subscriber's personal data (anonymous counts stay)."""
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("삭제하려면 확인란을 선택하세요."), "error")
        return redirect(url_for("subscribers.detail", subscriber_id=subscriber_id))
    service.erase_subscriber(service.get_subscriber(subscriber_id), user=current_user)
    flash(_("개인정보를 파기했습니다."), "success")
    return redirect(url_for("subscribers.index"))


@bp.get("/subscribers/export.<fmt>")
@roles_required(*PR_OFFICE)
def export_list(fmt: str):
    """Download the filtered list as CSV or XLSX (written to the access log)."""
    if fmt not in export.FORMATS:
        return redirect(url_for("subscribers.index"))
    result = export.export_registry(FilterForm(request.args).browse(), fmt=fmt, user=current_user)
    body = result.body if isinstance(result.body, bytes) else stream_with_context(result.body)
    headers = {"Content-Disposition": f"attachment; filename={result.filename}"}
    return Response(body, mimetype=result.mimetype, headers=headers)


@bp.get("/subscribers/access-log")
@roles_required(Role.ADMIN)
def access_log_page():
    """Who viewed or exported residents' data, newest first (admins only)."""
    page = page_number()
    subscriber_id = query_int("subscriber")
    entries, total = access_log.access_entries(page=page, subscriber_id=subscriber_id)
    return render_template(
        "subscribers/access_log.html", entries=entries, total=total, page=page, size=100
    )
