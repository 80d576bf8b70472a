"""The subscribers blueprint: staff pages under /subscribers and /segments, residents' pages
under /join, /preferences and /p/<token>."""

from flask import Blueprint

from pcrm.subscribers.addresses import national_phone

bp = Blueprint("subscribers", __name__)
bp.add_app_template_filter(national_phone, "national_phone")
