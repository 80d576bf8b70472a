"""Each address's state in words for the registry pages: valid, pending, bounced, invalid, and
suppressed with its reason (the suppression list is kept by address, not by subscriber)."""

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from pcrm.extensions import db
from pcrm.labels import label
from pcrm.messaging.models import Suppression
from pcrm.subscribers.choices import ADDRESS_STATUS
from pcrm.subscribers.models import Channel, Subscriber

States = dict[tuple[int, Channel], str]


def _suppressed(subscribers: list[Subscriber]) -> dict[tuple[Channel, str], Suppression]:
    emails = [s.email.lower() for s in subscribers if s.email]
    phones = [s.phone for s in subscribers if s.phone]
    if not emails and not phones:
        return {}
    query = select(Suppression).where(
        or_(
            and_(Suppression.channel == Channel.EMAIL, Suppression.address.in_(emails)),
            and_(Suppression.channel == Channel.SMS, Suppression.address.in_(phones)),
        )
    )
    return {(row.channel, row.address): row for row in db.session.scalars(query)}


def address_states(subscribers: list[Subscriber]) -> States:
    """(subscriber id, channel) -> the address's state in words, for those with an address."""
    suppressed = _suppressed(subscribers)
    states: States = {}
    for s in subscribers:
        for channel, address, status in (
            (Channel.EMAIL, s.email and s.email.lower(), s.email_status),
            (Channel.SMS, s.phone, s.phone_status),
        ):
            if not address:
                continue
            words = str(ADDRESS_STATUS[status.value]) if status else ""
            row = suppressed.get((channel, address))
            if row is not None:
                reason = _("발송 제외: %(reason)s", reason=label(row.reason))
                words = f"{words} · {reason}" if words else reason
            states[(s.id, channel)] = words
    return states
