"""The audit trail: one writer of VoiceTransition rows."""

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.voice.models import VoiceAction, VoiceItem, VoiceStatus, VoiceTransition

RESIDENT = "resident"  # the actor of what the resident did (sent, withdrew)


def record_transition(
    item: VoiceItem,
    user: User | None,
    action: VoiceAction,
    from_status: VoiceStatus | None,
    note: str = "",
) -> VoiceTransition:
    """Add one line to the item's trail (its status as it is now); the caller commits."""
    entry = VoiceTransition(
        item_id=item.id,
        user_id=user.id if user else None,
        actor=f"{user.name} <{user.email}>" if user else RESIDENT,
        action=action,
        from_status=from_status,
        to_status=item.status,
        note=note[:2000],
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry
