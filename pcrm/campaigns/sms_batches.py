"""One batch of a campaign's SMS: the claimed texts rendered, then sent in one provider call.

As for e-mail (campaigns.batches): consent was checked again at the claim; one recipient never
stops the batch (a text that cannot be made ends failed with the reason); a provider that takes
nothing it is offered is nobody's attempt, so the messages go back to the queue and the campaign
waits (campaigns.backoff). An answer lost on the way counts as sent and is never sent again.
"""

import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import String, select, type_coerce, update

from pcrm.campaigns.backoff import note_relay_failure, note_relay_working
from pcrm.campaigns.batches import HEARTBEAT_SECONDS, Contact, TemporarySendError
from pcrm.campaigns.templating import TemplateProblem
from pcrm.campaigns.texting import CompiledSms
from pcrm.db import among
from pcrm.extensions import db
from pcrm.messaging.channels import (
    Accepted,
    ChannelDown,
    Postponed,
    Refusal,
    Uncertain,
    Unsendable,
)
from pcrm.messaging.ledger import Claimed, Ledger
from pcrm.messaging.models import Message, MessageStatus, ShortLink, ShortTarget
from pcrm.messaging.sens import NOT_A_MOBILE_NUMBER
from pcrm.messaging.shortlinks import link_prefix
from pcrm.messaging.sms import SmsChannel, SmsText
from pcrm.subscribers.models import AddressStatus, Channel, Subscriber

# Texts per provider call (SENS takes 100 a request): between calls a batch renews its claim.
PER_CALL = 500


class SmsRecipient(NamedTuple):  # a tuple: made for every text of a wave
    message_id: int
    subscriber_id: int
    phone: str
    name: str | None
    survey_link: str
    unsubscribe_link: str


def sms_recipients(claimed: list[Claimed], contacts: dict[int, Contact]) -> list[SmsRecipient]:
    """The claimed SMS messages with the number and name each goes to and its short links
    (one query, no ORM objects: a wave's batches load tens of thousands)."""
    # The target as stored text: an enum made for each of thousands of rows cost more than
    # the query.
    target = type_coerce(ShortLink.target, String)
    codes = db.session.execute(
        select(ShortLink.message_id, target, ShortLink.code).where(
            among(ShortLink.message_id, [m.id for m in claimed])
        )
    )
    prefix = link_prefix()
    links = {(message_id, target): prefix + code for message_id, target, code in codes}
    db.session.commit()
    survey, unsubscribe = ShortTarget.SURVEY.value, ShortTarget.UNSUBSCRIBE.value
    return [
        SmsRecipient(
            message_id=m.id,
            subscriber_id=m.subscriber_id,
            phone=contacts[m.subscriber_id].phone,
            name=contacts[m.subscriber_id].name,
            survey_link=links.get((m.id, survey), ""),
            unsubscribe_link=links.get((m.id, unsubscribe), ""),
        )
        for m in claimed
    ]


class SmsBatch:
    """Sends the claimed SMS of one batch job and records each outcome."""

    def __init__(self, campaign_id: int, ledger: Ledger, compiled: CompiledSms):
        self.campaign_id, self.ledger, self.compiled = campaign_id, ledger, compiled
        self.channel = SmsChannel()
        self.max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
        self.relay_worked = False  # noted once a batch: a write each provider call cost 7%

    def run(self, recipients: list[SmsRecipient]) -> None:
        """Build every text, send them a provider call at a time, record the outcomes;
        TemporarySendError when some wait for another try. Between calls the batch renews its
        claim on the rest, so a slow provider never makes it look dead to the reconciler."""
        built = self._build_all(recipients)
        deferred, beat = 0, time.monotonic()
        for start in range(0, len(built), PER_CALL):
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:  # a write per text: not each call
                self.ledger.renew([r.message_id for r, _t in built[start:]])
                beat = time.monotonic()
            count, stopped = self._send(built[start : start + PER_CALL])
            deferred += count
            if stopped:  # the provider is down or asked us to wait: the rest waits too
                rest = [r.message_id for r, _t in built[start + PER_CALL :]]
                self.ledger.finish_many(rest, MessageStatus.QUEUED, stopped)
                break
        if deferred:
            raise TemporarySendError(f"{deferred}건이 일시적 오류로 다시 시도를 기다립니다")

    def _send(self, built: list[tuple[SmsRecipient, SmsText]]) -> tuple[int, str | None]:
        """One provider call; returns how many wait for another try, and why the batch must
        stop if it must."""
        try:
            with self.channel.session() as session:
                outcomes = session.send_many([text for _r, text in built])
        except (ChannelDown, OSError) as error:
            reason = f"문자 발송 업체에 보낼 수 없습니다 ({error})"
            self.ledger.finish_many([r.message_id for r, _t in built], MessageStatus.QUEUED, reason)
            note_relay_failure(self.campaign_id, reason, channel=Channel.SMS)
            return 0, reason
        pairs = list(zip((r for r, _t in built), outcomes, strict=True))
        self.ledger.sent_many(
            [(r.message_id, r.phone, o.provider_id) for r, o in pairs if isinstance(o, Accepted)],
            campaign_id=self.campaign_id,
        )
        postponed = [(r, o) for r, o in pairs if isinstance(o, Postponed)]
        deferred = sum(
            self._record(r, o) for r, o in pairs if not isinstance(o, Accepted | Postponed)
        )
        if postponed:
            return deferred, self._postpone(postponed)
        if not self.relay_worked and any(isinstance(o, Accepted | Uncertain) for o in outcomes):
            note_relay_working(self.campaign_id, channel=Channel.SMS)
            self.relay_worked = True
        return deferred, None

    def _postpone(self, postponed: list[tuple[SmsRecipient, Postponed]]) -> str:
        """The provider asked us to wait (Retry-After) or stopped taking texts: back to the
        queue, attempts untouched, and the campaign's SMS wait at least as long as asked."""
        first = postponed[0][1]
        reason = first.reason or "문자 발송 업체가 잠시 기다리라고 했습니다"
        self.ledger.finish_many([r.message_id for r, _o in postponed], MessageStatus.QUEUED, reason)
        note_relay_failure(
            self.campaign_id, reason, channel=Channel.SMS, at_least=first.retry_after
        )
        return reason

    def _build_all(self, recipients: list[SmsRecipient]) -> list[tuple[SmsRecipient, SmsText]]:
        built = []
        for recipient in recipients:
            try:
                built.append((recipient, self._build(recipient)))
            except (TemplateProblem, Unsendable) as problem:
                reason = str(problem)
                self.ledger.failed(recipient.message_id, address=recipient.phone, reason=reason)
        return built

    def _build(self, recipient: SmsRecipient) -> SmsText:
        if not recipient.unsubscribe_link:  # no free opt-out, no SMS (정보통신망법 §50)
            raise Unsendable("수신거부 링크가 없어 보낼 수 없습니다")
        content = self.compiled.render(
            name=recipient.name,
            survey_link=recipient.survey_link,
            unsubscribe_link=recipient.unsubscribe_link,
        )
        return self.channel.build(
            message_id=recipient.message_id,
            token="",
            to=recipient.phone,
            name=recipient.name,
            content=content,
            unsubscribe_url=recipient.unsubscribe_link,
        )

    def _record(self, recipient: SmsRecipient, outcome) -> bool:
        """Record one outcome other than Accepted; True when the message went back to the
        queue for another try."""
        message_id, phone = recipient.message_id, recipient.phone
        if isinstance(outcome, Uncertain):
            self.ledger.uncertain(message_id, address=phone, reason=outcome.reason)
        elif isinstance(outcome, Refusal) and outcome.permanent:
            self.ledger.failed(message_id, address=phone, reason=outcome.reason)
            if outcome.reason == NOT_A_MOBILE_NUMBER:
                _mark_phone_invalid(recipient.subscriber_id)
        else:
            return self._deferred(recipient, outcome)
        return False

    def _deferred(self, recipient: SmsRecipient, refusal: Refusal) -> bool:
        attempts = db.session.scalar(
            select(Message.attempts).where(Message.id == recipient.message_id)
        )
        db.session.commit()
        give_up = attempts + 1 >= self.max_attempts
        status = MessageStatus.BOUNCED_SOFT if give_up else MessageStatus.QUEUED
        self.ledger.refused(
            recipient.message_id,
            status=status,
            address=recipient.phone,
            code=None,
            reason=refusal.reason or "문자 발송 업체가 나중에 다시 보내라고 했습니다",
        )
        return not give_up


def _mark_phone_invalid(subscriber_id: int) -> None:
    """No campaign texts this number again until someone corrects it; commits."""
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .values(phone_status=AddressStatus.INVALID)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
