"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): channel bots and civic apps
hand residents' messages in and follow them. JSON; dates in ISO 8601 with the Seoul offset.

Services are the interest fields. Submitting and reading requests need an API key
(VOICE_API_KEYS); a key reads only the requests that came in through the API, never the
inbox's other items.
"""

import hmac

from flask import current_app
from flask_babel import gettext as _

from pcrm.errors import Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.labels import label
from pcrm.subscribers.models import InterestField
from pcrm.voice.deadlines import SEOUL
from pcrm.voice.intake import Intake, receive
from pcrm.voice.models import VoiceChannel, VoiceItem, VoiceStatus


def client_for(key: str | None) -> str | None:
    """The name of the client whose key this is, or None."""
    for name, known in current_app.config["VOICE_API_KEYS"].items():
        if key and hmac.compare_digest(key.encode(), known.encode()):
            return name
    return None


def check_key(key: str | None) -> str:
    """The name of the client whose key this is; Forbidden for a missing or unknown key."""
    name = client_for(key)
    if name is not None:
        return name
    raise Forbidden(_("API 키가 없거나 올바르지 않습니다."))


def services() -> list[dict]:
    fields = db.session.scalars(db.select(InterestField).order_by(InterestField.position))
    return [
        {
            "service_code": field.code,
            "service_name": localized(field),
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": _("주민 의견"),
        }
        for field in fields
    ]


def _iso(value) -> str | None:
    return value.astimezone(SEOUL).isoformat(timespec="seconds") if value else None


def submit(form, *, client: str) -> VoiceItem:
    """A service request as an item (channel API) from `client` (the name of the key it came
    with); Invalid for an unknown service code."""
    code = form.get("service_code") or ""
    if db.session.get(InterestField, code) is None:
        raise Invalid(_("알 수 없는 service_code입니다."), field="service_code")
    body = (form.get("description") or "").strip()
    place = (form.get("address_string") or "").strip()[:200]
    if body and place:
        body = f"{body}\n\n({_('위치')}: {place})"
    return receive(
        Intake(
            body=body, channel=VoiceChannel.API, field_code=code,
            email=form.get("email") or None, phone=form.get("phone") or None,
            source_url=form.get("media_url") or "", origin=None, api_client=client,
        )
    )  # fmt: skip


def request_for(request_id: str) -> VoiceItem:
    """A request that came in through the API (any other item is not found)."""
    item = db.session.get(VoiceItem, int(request_id)) if request_id.isdigit() else None
    if item is None or item.channel is not VoiceChannel.API:
        raise NotFound(_("찾을 수 없습니다."))
    return item


def as_request(item: VoiceItem) -> dict:
    done = item.status is VoiceStatus.DONE
    notes = label(item.status) + (f" ({label(item.outcome)})" if item.outcome else "")
    return {
        "service_request_id": str(item.id),
        "status": "closed" if done else "open",
        "status_notes": f"{notes}: {item.answer}" if done and item.answer else notes,
        "service_code": item.field_code,
        "description": item.body,
        "agency_responsible": item.department.name_ko if item.department else "",
        "service_notice": "",
        "requested_datetime": _iso(item.created_at),
        "updated_datetime": _iso(item.updated_at),
        "expected_datetime": _iso(item.due_at),
        "address": "",
        "media_url": item.source_url or None,
    }
