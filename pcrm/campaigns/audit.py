"""The campaign audit trail: who moved a campaign from what to what, when and why."""

from pcrm.auth.models import User
from pcrm.campaigns.models import CampaignStatus, CampaignTransition
from pcrm.db import utcnow
from pcrm.extensions import db


def record_transition(
    campaign_id: int,
    action: str,
    from_status: CampaignStatus | None,
    to_status: CampaignStatus,
    *,
    actor: User | None = None,
    note: str = "",
) -> CampaignTransition:
    """Append one entry (actor None: the system did it); the caller commits."""
    entry = CampaignTransition(
        campaign_id=campaign_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id if actor else None,
        note=note,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry
