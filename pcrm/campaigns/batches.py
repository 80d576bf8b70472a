"""One batch of a campaign's e-mail: claim, check consent again, send over one connection.

Consent is checked again when the batch claims its messages, so an unsubscribe reaches the
messages still waiting at once (the batch in hand, a few hundred messages, is the only window).

One recipient never stops the batch: a message that cannot be built or rendered for them ends
failed with the reason. A failure of the relay as a whole is nobody's attempt: when it cannot be
reached, drops the connection, or refuses every recipient tried for now, the batch's messages go
back to the queue as they were and the campaign waits (campaigns.backoff).
"""

import time
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from pcrm.bounces.refusals import refused_at_send
from pcrm.campaigns.backoff import note_relay_failure, note_relay_working
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import answered_among, audience_filter
from pcrm.campaigns.templating import CompiledCampaign, TemplateProblem
from pcrm.db import among
from pcrm.extensions import db, queues
from pcrm.messaging.channels import ChannelDown, Outgoing, Refusal, Session, Unsendable
from pcrm.messaging.ledger import Claimed, ClaimLost, Ledger
from pcrm.messaging.mail import EmailChannel
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.rate import SendRate
from pcrm.subscribers.models import Channel, Subscriber

HEARTBEAT_SECONDS = 2.0
NOT_REACHABLE = "발송 시점에 수신 동의가 없거나 발송 제외 주소입니다."
# Temporary refusals in a row with nothing accepted: from RELAY_SAMPLE on the batch stops
# trying; from RELAY_MIN on they are the relay's, not the recipients' (fewer prove nothing).
RELAY_SAMPLE = 10
RELAY_MIN = 3


class TemporarySendError(Exception):
    """Nothing is lost: the batch's unsent messages are back in the queue; RQ retries later."""


class Recipient(NamedTuple):  # a tuple: made for every message of a campaign
    message_id: int
    token: str
    email: str
    name: str | None


class Contact(NamedTuple):
    """How a reachable person is written to, as the reachability check read it."""

    email: str | None
    phone: str | None
    name: str | None


@dataclass(frozen=True)
class Reachable:
    """A batch's claimed messages after the check at sending time."""

    kept: list[Claimed]  # still reachable now on their channel
    dropped: list[int]  # ids of the messages whose person no longer is
    contacts: dict[int, Contact]  # by subscriber id, for those kept


def still_reachable(campaign: Campaign, claimed: list[Claimed]) -> Reachable:
    """Split claimed messages into those whose person is still reachable now on the message's
    channel and those no longer; a reminder (wave 1, 2, ...) is no longer for someone who has
    answered since. The same query reads the contact each kept message goes to."""
    contacts: dict[tuple[Channel, bool], dict[int, Contact]] = {}
    for key in {(r.channel, r.wave > 0) for r in claimed}:
        channel, reminder = key
        people = [r.subscriber_id for r in claimed if (r.channel, r.wave > 0) == key]
        if reminder:
            answered = answered_among(campaign, people)
            people = [person for person in people if person not in answered]
        query = (
            audience_filter(campaign, channel=channel)
            .where(among(Subscriber.id, people))
            .add_columns(Subscriber.email, Subscriber.phone, Subscriber.name)
        )
        # Core rows fetched at once: no ORM result machinery, no fetch call per row.
        rows = db.session.connection().execute(query).all()
        contacts[key] = {id_: Contact(email, phone, name) for id_, email, phone, name in rows}
    db.session.commit()
    kept, dropped = [], []
    for message in claimed:
        reachable = message.subscriber_id in contacts[message.channel, message.wave > 0]
        (kept if reachable else dropped).append(message)
    everyone = {k: v for group in contacts.values() for k, v in group.items()}
    return Reachable(kept, [m.id for m in dropped], everyone)


def email_recipients(claimed: list[Claimed], contacts: dict[int, Contact]) -> list[Recipient]:
    """The claimed e-mail messages with the address and name each goes to."""
    return [
        Recipient(m.id, m.token, contacts[m.subscriber_id].email, contacts[m.subscriber_id].name)
        for m in claimed
    ]


class Batch:
    """Sends the claimed messages of one batch job, recording each outcome as it happens."""

    def __init__(
        self,
        campaign_id: int,
        ledger: Ledger,
        recipients: list[Recipient],
        compiled: CompiledCampaign,
    ):
        config = current_app.config
        self.campaign_id, self.ledger = campaign_id, ledger
        self.pending = {r.message_id: r for r in recipients}
        self.compiled = compiled
        self.channel = EmailChannel(list_id=f"campaign-{campaign_id}")
        self.rate = SendRate(config["MAIL_SEND_RATE"], queues.url)
        self.max_attempts = config["MAIL_MAX_ATTEMPTS"]
        self.deferred = 0
        # Temporarily refused before the relay accepted anything: not yet counted, still claimed.
        self.held: dict[int, Refusal] = {}
        self.accepted = self.stopped = False
        self.beat = time.monotonic()
        db.session.commit()  # hold no read transaction open while the batch works

    def run(self) -> None:
        try:
            self._send_all()
            if not self.stopped:
                self._settle()
        except (ChannelDown, OSError) as error:
            self._relay_failed(f"메일 서버에 연결할 수 없거나 연결이 끊겼습니다 ({error})")
        except ClaimLost:
            return

    def _settle(self) -> None:
        """After the last message: the relay refused everyone, or the outcomes stand."""
        if len(self.held) >= RELAY_MIN:
            first = next(iter(self.held.values()))
            self._relay_failed(
                f"메일 서버가 지금은 메일을 받지 않습니다 ({first.code} {first.reason})"
            )
            return
        self._count_held()
        if self.accepted:
            note_relay_working(self.campaign_id, channel=Channel.EMAIL)
        if self.deferred:
            raise TemporarySendError(f"{self.deferred}건이 일시적 오류로 다시 시도를 기다립니다")

    def _send_all(self) -> None:
        with self.channel.session() as session:
            for recipient in list(self.pending.values()):
                if len(self.held) >= RELAY_SAMPLE or not self._still_sending():
                    return
                self._send(session, recipient)

    def _send(self, session: Session, recipient: Recipient) -> None:
        try:
            message = self._build(recipient)
        except (TemplateProblem, Unsendable) as problem:
            del self.pending[recipient.message_id]
            self.ledger.failed(recipient.message_id, address=recipient.email, reason=str(problem))
            return
        self.rate.wait()
        outcome = session.send(message)
        refused = isinstance(outcome, Refusal)
        if refused and not outcome.permanent and not self.accepted:
            # The relay's refusal or this recipient's? The next answers tell; until then, held.
            self.held[recipient.message_id] = outcome
            return
        self._relay_took_mail()
        del self.pending[recipient.message_id]
        if refused:
            self._refused(recipient, outcome)
        else:
            self.ledger.sent(
                recipient.message_id, address=recipient.email, provider_id=outcome.provider_id
            )

    def _build(self, recipient: Recipient) -> Outgoing:
        content = self.compiled.render(token=recipient.token, name=recipient.name)
        return self.channel.build(
            message_id=recipient.message_id,
            token=recipient.token,
            to=recipient.email,
            name=recipient.name,
            content=content,
            unsubscribe_url=self.compiled.patterns.one_click.format(token=recipient.token),
        )

    def _relay_took_mail(self) -> None:
        """An answer for one recipient (accepted, or refused for good): the relay works, so the
        temporary refusals held so far were the recipients' own and count as attempts."""
        if not self.accepted:
            self.accepted = True
            self._count_held()

    def _count_held(self) -> None:
        for message_id, refusal in list(self.held.items()):
            self._refused(self.pending.pop(message_id), refusal)
        self.held.clear()

    def _relay_failed(self, reason: str) -> None:
        """Every unrecorded message back to the queue, attempts untouched; the campaign waits."""
        self.ledger.finish_many(self.pending, MessageStatus.QUEUED, reason)
        note_relay_failure(self.campaign_id, reason, channel=Channel.EMAIL)

    def _refused(self, recipient: Recipient, refusal: Refusal) -> None:
        status = MessageStatus.BOUNCED_HARD
        if not refusal.permanent:
            attempts = db.session.scalar(
                select(Message.attempts).where(Message.id == recipient.message_id)
            )
            db.session.commit()
            give_up = attempts + 1 >= self.max_attempts
            status = MessageStatus.BOUNCED_SOFT if give_up else MessageStatus.QUEUED
            self.deferred += status is MessageStatus.QUEUED
        self.ledger.refused(
            recipient.message_id,
            status=status,
            address=recipient.email,
            code=refusal.code,
            reason=refusal.reason,
        )
        if status is MessageStatus.BOUNCED_HARD:  # the address too: suppressed by the policy
            refused_at_send(
                message_id=recipient.message_id, code=refusal.code, reason=refusal.reason
            )

    def _still_sending(self) -> bool:
        """Every few seconds: stop on pause or cancel, and renew the claim on the rest."""
        if time.monotonic() - self.beat < HEARTBEAT_SECONDS:
            return True
        self.beat = time.monotonic()
        status = db.session.scalar(select(Campaign.status).where(Campaign.id == self.campaign_id))
        db.session.commit()
        if status is CampaignStatus.SENDING:
            self.ledger.renew(list(self.pending))
            return True
        outcome = MessageStatus.CANCELLED if status is CampaignStatus.CANCELLED else None
        self.ledger.finish_many(self.pending, outcome or MessageStatus.QUEUED, None)
        self.stopped = True
        return False
