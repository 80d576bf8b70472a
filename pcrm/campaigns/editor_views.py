"""The campaign editor's preview: the unsaved text as the sample recipient will read it."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from pcrm.auth.access import ensure_department
from pcrm.campaigns import editor
from pcrm.campaigns.forms import CampaignForm
from pcrm.campaigns.models import Campaign
from pcrm.extensions import db
from pcrm.inputs import query_int

bp = Blueprint("campaign_editor", __name__, url_prefix="/campaigns/editor")


@bp.post("/preview")
def preview():
    """The preview panel alone for the editor's script (fetch), or, without script, the whole
    form again with the preview filled in; nothing is saved either way."""
    form = CampaignForm(current_user)  # the fields as typed (CSRFProtect checked the POST)
    shown = editor.sample(form, current_user)
    if request.headers.get("X-Requested-With") == "fetch":
        return render_template("campaigns/_mail_preview.html", preview=shown)
    campaign_id = query_int("campaign")
    campaign = db.get_or_404(Campaign, campaign_id) if campaign_id else None
    if campaign is not None:
        ensure_department(campaign.department_id)
    page, _status = editor.form_page(form, campaign, current_user, preview=shown)
    return page
