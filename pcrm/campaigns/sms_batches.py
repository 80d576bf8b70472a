"""One batch of a campaign's SMS: the claimed texts rendered and sent, a provider call at a time.

As for e-mail (campaigns.batches): consent was checked again at the claim; one recipient never
stops the batch (a text that cannot be made ends failed with the reason); a provider that takes
nothing it is offered is nobody's attempt, so the messages go back to the queue and the campaign
waits (campaigns.backoff). An answer lost on the way counts as sent and is never sent again.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select, update

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

# Texts per provider call (SENS takes 100 a request): between calls a batch renews its claim. A
# dead worker can leave two calls' texts sent and unrecorded (SmsBatch.run): 500 at most.
PER_CALL = 250


class SmsRecipient(NamedTuple):  # a tuple: made for every text of a wave
    message_id: int
    subscriber_id: int
    phone: str
    name: str | None
    survey_link: str
    unsubscribe_link: str


def sms_recipients(claimed: list[Claimed], contacts: dict[int, Contact]) -> list[SmsRecipient]:
    """The claimed SMS messages with the number and name each goes to and its short links
    (one query, a row per message, no ORM objects: a wave's batches load tens of thousands)."""
    survey = func.max(ShortLink.code).filter(ShortLink.target == ShortTarget.SURVEY)
    opt_out = func.max(ShortLink.code).filter(ShortLink.target == ShortTarget.UNSUBSCRIBE)
    query = (
        select(ShortLink.message_id, survey, opt_out)
        .where(among(ShortLink.message_id, [m.id for m in claimed]))
        .group_by(ShortLink.message_id)
    )
    rows = db.session.connection().execute(query).all()  # as still_reachable reads its rows
    db.session.commit()
    prefix = link_prefix()
    links = {
        message_id: (prefix + s if s else "", prefix + u if u else "") for message_id, s, u in rows
    }
    return [
        SmsRecipient(
            m.id,
            m.subscriber_id,
            contacts[m.subscriber_id].phone,
            contacts[m.subscriber_id].name,
            *links.get(m.id, ("", "")),
        )
        for m in claimed
    ]


class Answer(NamedTuple):
    """What one provider call answered for its texts: an outcome each, or why none."""

    built: list[tuple[SmsRecipient, SmsText]]
    outcomes: list
    down: str | None = None  # the provider could not be reached or took nothing

    def pairs(self) -> list[tuple[SmsRecipient, object]]:
        return list(zip((r for r, _t in self.built), self.outcomes, strict=True))

    def first_postponed(self) -> Postponed | None:
        return next((o for o in self.outcomes if isinstance(o, Postponed)), None)

    def stop_reason(self) -> str | None:
        """Why no further call may go: the provider is down or asked us to wait."""
        postponed = self.first_postponed()
        if postponed is not None:
            return postponed.reason or "문자 발송 업체가 잠시 기다리라고 했습니다"
        return self.down


class SmsBatch:
    """Sends the claimed SMS of one batch job and records each outcome."""

    def __init__(self, campaign_id: int, ledger: Ledger, compiled: CompiledSms):
        self.campaign_id, self.ledger, self.compiled = campaign_id, ledger, compiled
        self.channel = SmsChannel()
        self.app = current_app._get_current_object()
        self.max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
        self.relay_worked = False  # noted once a batch: a write each provider call cost 7%

    def run(self, recipients: list[SmsRecipient]) -> None:
        """Build every text, send them a provider call at a time, record the outcomes;
        TemporarySendError when some wait for another try.

        While one call is out, the batch builds the next call's texts and then records the
        previous call's outcomes: the provider's answer and the database's are waited for
        together, not one after the other. So when a worker dies, at most two calls' texts can
        be sent and unrecorded (PER_CALL is sized for that: 500 texts). Between calls the batch
        renews its claim on the rest, so a slow provider never makes it look dead to the
        reconciler."""
        calls = [recipients[n : n + PER_CALL] for n in range(0, len(recipients), PER_CALL)]
        deferred, beat = 0, time.monotonic()
        with ThreadPoolExecutor(1, thread_name_prefix="pcrm-sms-call") as caller:
            out = caller.submit(self._call, self._build_all(calls[0])) if calls else None
            for index in range(1, len(calls) + 1):
                built = self._build_all(calls[index]) if index < len(calls) else []
                answer = out.result()
                stopped = answer.stop_reason()
                if built and not stopped:
                    if time.monotonic() - beat >= HEARTBEAT_SECONDS:  # a write per text
                        self.ledger.renew(_ids(calls[index:]))
                        beat = time.monotonic()
                    out = caller.submit(self._call, built)
                deferred += self._record_call(answer)
                if stopped:  # the rest waits too
                    self.ledger.finish_many(_ids(calls[index:]), MessageStatus.QUEUED, stopped)
                    break
        if deferred:
            raise TemporarySendError(f"{deferred}건이 일시적 오류로 다시 시도를 기다립니다")

    def _call(self, built: list[tuple[SmsRecipient, SmsText]]) -> Answer:
        """One provider call, in the caller thread, in an app context of its own (the batch's
        database session stays with the batch)."""
        with self.app.app_context():
            try:
                with self.channel.session() as session:
                    return Answer(built, session.send_many([text for _r, text in built]))
            except (ChannelDown, OSError) as error:
                return Answer(built, [], f"문자 발송 업체에 보낼 수 없습니다 ({error})")

    def _record_call(self, answer: Answer) -> int:
        """Record what one call answered; returns how many texts wait for another try. Those
        the provider would not take now go back to the queue, attempts untouched, and the
        campaign's SMS wait (at least as long as the provider asked)."""
        if answer.down:
            ids = [r.message_id for r, _t in answer.built]
            self.ledger.finish_many(ids, MessageStatus.QUEUED, answer.down)
            note_relay_failure(self.campaign_id, answer.down, channel=Channel.SMS)
            return 0
        pairs = answer.pairs()
        self.ledger.sent_many(
            [(r.message_id, r.phone, o.provider_id) for r, o in pairs if isinstance(o, Accepted)],
            campaign_id=self.campaign_id,
        )
        deferred = sum(
            self._record(r, o) for r, o in pairs if not isinstance(o, Accepted | Postponed)
        )
        postponed = answer.first_postponed()
        if postponed is not None:
            waiting = [r.message_id for r, o in pairs if isinstance(o, Postponed)]
            reason = answer.stop_reason()
            self.ledger.finish_many(waiting, MessageStatus.QUEUED, reason)
            note_relay_failure(
                self.campaign_id, reason, channel=Channel.SMS, at_least=postponed.retry_after
            )
        elif not self.relay_worked and any(isinstance(o, Accepted | Uncertain) for _r, o in pairs):
            note_relay_working(self.campaign_id, channel=Channel.SMS)
            self.relay_worked = True
        return deferred

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


def _ids(calls: list[list[SmsRecipient]]) -> list[int]:
    """The message ids of these calls' texts."""
    return [r.message_id for call in calls for r in call]


def _mark_phone_invalid(subscriber_id: int) -> None:
    """No campaign texts this number again until someone corrects it; commits."""
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .values(phone_status=AddressStatus.INVALID)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
