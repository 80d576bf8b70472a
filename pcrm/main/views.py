"""The staff dashboard and the language switch."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from pcrm.auth import service as auth_service
from pcrm.auth.access import public
from pcrm.main import service
from pcrm.reports.dashboard import needs
from pcrm.urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def dashboard():
    """What needs the signed-in person's attention, and the registry at a glance."""
    return render_template(
        "main/dashboard.html",
        summary=service.dashboard_summary(current_user),
        needs=needs(current_user),
    )


@bp.post("/language")
@public
def set_language():
    """Switch between Korean and English for this browser session."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:  # e-mails to this staff member follow it too
            auth_service.remember_language(current_user, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("main.dashboard"))
