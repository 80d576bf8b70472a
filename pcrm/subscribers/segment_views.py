"""Segments: saved audiences with live counts; department staff may look, PR staff edit."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.auth.access import roles_required
from pcrm.auth.models import PR_OFFICE
from pcrm.subscribers import choices, segments
from pcrm.subscribers.blueprint import bp
from pcrm.subscribers.forms import CriteriaForm, SegmentForm


@bp.get("/segments/", endpoint="segments")
def segment_list():
    """Every saved segment with its live count."""
    rows = [(s, segments.live_count(segments.criteria_of(s))) for s in segments.all_segments()]
    return render_template("subscribers/segments.html", rows=rows)


@bp.get("/segments/<int:segment_id>")
def segment(segment_id: int):
    """A segment: its definition, live count and breakdown by age band and channel."""
    found = segments.get_segment(segment_id)
    criteria = segments.criteria_of(found)
    return render_template(
        "subscribers/segment.html",
        segment=found,
        criteria=criteria,
        breakdown=segments.breakdown(criteria),
        choices=choices,
    )


def _edit(found):
    form = SegmentForm(obj=found)
    if request.method == "GET" and found is not None:
        criteria = segments.criteria_of(found)
        for name, value in criteria.to_json().items():
            getattr(form, name).data = value
    counted = None
    if form.validate_on_submit():
        if request.form.get("action") == "count":
            counted = segments.breakdown(form.criteria())
        else:
            saved = segments.save_segment(
                found,
                name=form.name.data,
                description=form.description.data or "",
                criteria=form.criteria(),
                user=current_user,
            )
            flash(_("세그먼트를 저장했습니다."), "success")
            return redirect(url_for("subscribers.segment", segment_id=saved.id))
    return render_template(
        "subscribers/segment_edit.html", form=form, segment=found, counted=counted, choices=choices
    )


@bp.get("/segments/count")
@roles_required(*PR_OFFICE)
def segment_count():
    """The live count of the criteria in the query string, for the segment form's script."""
    form = CriteriaForm(request.args, meta={"csrf": False})
    counted = segments.breakdown(form.criteria())
    words = _(
        "지금 %(total)s명 (이메일 %(email)s명 · 문자 %(sms)s명 · 연락 불가 %(none)s명)",
        total=f"{counted.total:,}",
        email=f"{counted.by_channel['email']:,}",
        sms=f"{counted.by_channel['sms']:,}",
        none=f"{counted.by_channel['none']:,}",
    )
    return jsonify(total=counted.total, by_channel=counted.by_channel, words=words)


@bp.route("/segments/new", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def segment_create():
    """Define a new audience from the dimensions (no SQL)."""
    return _edit(None)


@bp.route("/segments/<int:segment_id>/edit", methods=["GET", "POST"])
@roles_required(*PR_OFFICE)
def segment_edit(segment_id: int):
    """Change a segment's definition."""
    return _edit(segments.get_segment(segment_id))
