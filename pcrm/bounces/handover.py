"""A person's reply to a campaign e-mail (not a bounce, an auto-reply or a receipt) is handed
over to residents' voice, linked to the message and subscriber it answers."""

from email.utils import parseaddr

from pcrm.bounces import matching
from pcrm.bounces.left_mail import readable_text
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.bounces.parsing import PERSON_REPLY
from pcrm.extensions import db
from pcrm.messaging.service import message_for_token
from pcrm.voice import service as voice
from pcrm.voice.models import VoiceChannel


def hand_over_replies(ingested) -> int:
    """Hand over each person's reply among freshly ingested mail; returns how many."""
    handed = 0
    for result in ingested:
        if result.duplicate or result.inbound_id is None or result.report.why != PERSON_REPLY:
            continue
        inbound = db.session.get(InboundMail, result.inbound_id)
        if inbound is None or inbound.state is not InboundState.NOT_BOUNCE:
            continue
        address = parseaddr(inbound.sender)[1] or None
        token = result.report.message_token
        message = (message_for_token(token) if token else None) or matching.by_recipient(address)
        item = voice.hand_over(
            origin=f"mail:{inbound.id}", channel=VoiceChannel.EMAIL_REPLY,
            body=readable_text(inbound), email=address, message=message,
        )  # fmt: skip
        handed += item is not None
    return handed
