"""One batch of a campaign's e-mail: claim, check consent again, send over one connection.

Consent is checked again when the batch claims its messages, so an unsubscribe reaches the
messages still waiting at once (the batch in hand, a few hundred messages, is the only window).
"""

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from pcrm.campaigns.mailing import compile_campaign
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import audience_filter
from pcrm.extensions import db, queues
from pcrm.messaging.ledger import ClaimLost, Ledger
from pcrm.messaging.mail import MailBuilder
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.rate import SendRate
from pcrm.messaging.smtp import ConnectionLost, Refusal, send_one, smtp_connection
from pcrm.subscribers.models import Subscriber

HEARTBEAT_SECONDS = 2.0
NOT_REACHABLE = "발송 시점에 수신 동의가 없거나 발송 제외 주소입니다."


class TemporarySendError(Exception):
    """Nothing is lost: the batch's unsent messages are back in the queue; RQ retries later."""


@dataclass(frozen=True)
class Recipient:
    message_id: int
    token: str
    email: str
    name: str | None


def recipients_of(campaign: Campaign, ids: list[int]) -> tuple[list[Recipient], list[int]]:
    """Claimed messages split into those still reachable now and those no longer."""
    rows = db.session.execute(
        select(Message.id, Message.token, Message.subscriber_id, Subscriber.email, Subscriber.name)
        .join(Subscriber, Subscriber.id == Message.subscriber_id)
        .where(Message.id.in_(ids))
        .order_by(Message.id)
    ).all()
    reachable = audience_filter(campaign).where(Subscriber.id.in_([r.subscriber_id for r in rows]))
    allowed = set(db.session.scalars(reachable))
    keep = [Recipient(r.id, r.token, r.email, r.name) for r in rows if r.subscriber_id in allowed]
    dropped = [r.id for r in rows if r.subscriber_id not in allowed]
    return keep, dropped


class Batch:
    """Sends the claimed messages of one batch job, recording each outcome as it happens."""

    def __init__(self, campaign: Campaign, ledger: Ledger, recipients: list[Recipient]):
        config = current_app.config
        self.campaign_id, self.ledger = campaign.id, ledger
        self.pending = {r.message_id: r for r in recipients}
        self.compiled = compile_campaign(campaign)
        self.builder = MailBuilder(list_id=f"campaign-{campaign.id}")
        self.rate = SendRate(config["MAIL_SEND_RATE"], queues.url)
        self.max_attempts = config["MAIL_MAX_ATTEMPTS"]
        self.deferred = 0
        self.beat = time.monotonic()
        db.session.commit()  # hold no read transaction open while the batch works

    def run(self) -> None:
        try:
            with smtp_connection() as connection:
                for recipient in list(self.pending.values()):
                    if not self._still_sending():
                        return
                    self._send(connection.host, recipient)
        except (ConnectionLost, OSError) as error:
            self._requeue_pending(f"메일 서버 연결 실패: {error}")
            raise TemporarySendError(str(error)) from error
        except ClaimLost:
            return
        if self.deferred:
            raise TemporarySendError(f"{self.deferred}건이 일시적 오류로 다시 시도를 기다립니다")

    def _send(self, host, recipient: Recipient) -> None:
        rendered = self.compiled.render(token=recipient.token, name=recipient.name)
        one_click = self.compiled.patterns.one_click.format(token=recipient.token)
        envelope = self.builder.build(
            message_id=recipient.message_id,
            token=recipient.token,
            to=recipient.email,
            name=recipient.name,
            rendered=rendered,
            unsubscribe_url=one_click,
        )
        self.rate.wait()
        refusal = send_one(host, envelope.mail_from, envelope.to, envelope.data)
        del self.pending[recipient.message_id]
        if refusal is None:
            self.ledger.sent(
                recipient.message_id, address=recipient.email, provider_id=envelope.message_id
            )
        else:
            self._refused(recipient, refusal)

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
        return False

    def _requeue_pending(self, error: str) -> None:
        self.ledger.finish_many(self.pending, MessageStatus.QUEUED, error)
