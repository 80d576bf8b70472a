"""The registry's use cases for staff: list, open, create, edit and erase subscribers."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers import browse as finder
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.addresses import normalise_email, normalise_phone
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.consent import apply_choices, unsubscribe_everything
from pcrm.subscribers.models import (
    AccessAction,
    AddressStatus,
    Channel,
    ConsentEvent,
    ConsentSource,
    Gender,
    Kind,
    PhoneConfirmation,
    Subscriber,
    SubscriberNotice,
)
from pcrm.surveys import service as surveys

MESSAGES_SHOWN = 200


@dataclass
class SubscriberData:
    """What staff enter for one subscriber."""

    kind: Kind
    name: str
    email: str | None = None
    phone: str | None = None
    birth_year: int | None = None
    gender: Gender | None = None
    dong_id: int | None = None
    business_type_code: str | None = None
    fields: frozenset[str] = frozenset()
    channels: frozenset[Channel] = frozenset()
    night_sms: bool = False
    guardian_agreed: bool = False  # staff hold a legal guardian's consent for an under-14


@dataclass
class SubscriberRecord:
    """A subscriber's page: the person, the ledger, messages received and responses given."""

    subscriber: Subscriber
    ledger: list[ConsentEvent]
    messages: list[Message]
    responses: list[surveys.GivenResponse]
    failed_notices: list[SubscriberNotice]


def registry_page(browse: finder.Browse, *, user: User, after=None, before=None) -> finder.Page:
    """A page of the registry; listing personal data is logged like opening it."""
    result = finder.page(browse, after=after, before=before)
    what = _("목록 조회: %(filter)s", filter=finder.describe(browse))
    record_access(user=user, action=AccessAction.VIEW, what=what, record_count=len(result.rows))
    db.session.commit()
    return result


def get_subscriber(subscriber_id: int) -> Subscriber:
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound(_("없는 구독자입니다."))
    return subscriber


def messages_received(subscriber_id: int) -> list[Message]:
    """The newest messages sent to the subscriber, with their campaigns."""
    query = (
        select(Message)
        .where(Message.subscriber_id == subscriber_id)
        .options(selectinload(Message.campaign))
        .order_by(Message.id.desc())
        .limit(MESSAGES_SHOWN)
    )
    return list(db.session.scalars(query))


def _failed_notices(subscriber_id: int) -> list[SubscriberNotice]:
    """Registry e-mails that could not go, newest first, so staff can correct the address."""
    query = (
        select(SubscriberNotice)
        .where(
            SubscriberNotice.subscriber_id == subscriber_id, SubscriberNotice.failed_at.is_not(None)
        )
        .order_by(SubscriberNotice.id.desc())
    )
    return list(db.session.scalars(query))


def open_subscriber(subscriber_id: int, *, user: User) -> SubscriberRecord:
    """Everything about one subscriber; the view is written to the access log."""
    subscriber = get_subscriber(subscriber_id)
    record_access(
        user=user,
        action=AccessAction.VIEW,
        what=_("구독자 상세 조회 #%(id)s", id=subscriber.id),
        subscriber_id=subscriber.id,
    )
    db.session.commit()
    return SubscriberRecord(
        subscriber=subscriber,
        ledger=list(reversed(subscriber.consent_events)),
        messages=messages_received(subscriber.id),
        responses=surveys.responses_of(subscriber.id, user=user),
        failed_notices=_failed_notices(subscriber.id),
    )


def _taken(column, value: str | None, subscriber: Subscriber | None) -> bool:
    if value is None:
        return False
    other = db.session.scalar(select(Subscriber.id).where(column == value))
    return other is not None and (subscriber is None or other != subscriber.id)


def _checked_addresses(data: SubscriberData, subscriber: Subscriber | None) -> tuple:
    email, phone = normalise_email(data.email), normalise_phone(data.phone)
    problems = [checked.problem for checked in (email, phone) if checked.problem]
    if problems:
        raise Invalid(" ".join(problems))
    if _taken(Subscriber.email, email.value, subscriber):
        raise Conflict(_("이미 등록된 이메일입니다: %(email)s", email=email.value))
    if _taken(Subscriber.phone, phone.value, subscriber):
        raise Conflict(_("이미 등록된 휴대전화 번호입니다: %(phone)s", phone=data.phone))
    if email.value is None and phone.value is None:
        raise Invalid(_("이메일이나 휴대전화 번호 중 하나는 있어야 합니다."))
    return email.value, phone.value


def _check_guardian(subscriber: Subscriber | None, data: SubscriberData) -> None:
    """No consent recorded for someone who may be under 14 without a guardian's (§22-2)."""
    if not may_be_under_14(data.birth_year) or not (data.fields or data.channels):
        return
    if data.guardian_agreed or (subscriber is not None and subscriber.guardian_consent):
        return
    raise Invalid(
        _(
            "만 14세 미만일 수 있는 사람(%(year)s년생)은 법정대리인의 동의를 받은 때에만 "
            "관심분야와 수신 동의를 기록할 수 있습니다.",
            year=data.birth_year,
        )
    )


def _write(subscriber: Subscriber, data: SubscriberData, email: str | None, phone: str | None):
    if email != subscriber.email:
        subscriber.email = email
        subscriber.email_status = AddressStatus.VALID if email else None
    if phone != subscriber.phone:
        subscriber.phone = phone
        subscriber.phone_status = AddressStatus.VALID if phone else None
    subscriber.kind, subscriber.name = data.kind, data.name.strip()
    subscriber.birth_year, subscriber.gender = data.birth_year, data.gender
    subscriber.dong_id = data.dong_id
    subscriber.business_type_code = data.business_type_code if data.kind is Kind.BUSINESS else None
    subscriber.night_sms_opt_in = data.night_sms and Channel.SMS in data.channels
    subscriber.guardian_consent = subscriber.guardian_consent or data.guardian_agreed


def _channels(data: SubscriberData, email, phone) -> set[Channel]:
    addresses = {Channel.EMAIL: email, Channel.SMS: phone}
    return {channel for channel in data.channels if addresses[channel]}


def save_subscriber(
    subscriber: Subscriber | None, *, data: SubscriberData, evidence: str, user: User
) -> Subscriber:
    """Create (subscriber None) or edit a subscriber as staff; consent changes go to the ledger."""
    if subscriber is not None and subscriber.erased_at is not None:
        raise Conflict(_("삭제된 구독자는 고칠 수 없습니다."))
    email, phone = _checked_addresses(data, subscriber)
    _check_guardian(subscriber, data)
    creating = subscriber is None
    if creating:
        subscriber = Subscriber()
        db.session.add(subscriber)
    _write(subscriber, data, email, phone)
    db.session.flush()
    apply_choices(
        subscriber,
        fields=set(data.fields),
        channels=_channels(data, email, phone),
        source=ConsentSource.STAFF,
        evidence=evidence,
        actor=user,
    )
    what = _("구독자 등록") if creating else _("구독자 정보 수정")
    record_access(user=user, action=AccessAction.EDIT, what=what, subscriber_id=subscriber.id)
    db.session.commit()
    return subscriber


def erase_subscriber(subscriber: Subscriber, *, user: User) -> Subscriber:
    """Erase personal data; anonymous facts (kind, birth year, gender, dong) stay for counts."""
    if subscriber.erased_at is not None:
        raise Conflict(_("이미 삭제된 구독자입니다."))
    unsubscribe_everything(subscriber, source=ConsentSource.ERASURE)
    apply_choices(subscriber, fields=set(), channels=set(), source=ConsentSource.ERASURE)
    db.session.flush()
    # The ledger stays (counts of grants and revocations) but its free text may name people.
    db.session.execute(
        update(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber.id).values(evidence="")
    )
    # Codes sent to the phone and the reasons a notice failed name the addresses too.
    db.session.execute(
        delete(PhoneConfirmation).where(PhoneConfirmation.subscriber_id == subscriber.id)
    )
    db.session.execute(
        update(SubscriberNotice)
        .where(SubscriberNotice.subscriber_id == subscriber.id)
        .values(failure=None)
    )
    for column in ("name", "email", "email_status", "phone", "phone_status"):
        setattr(subscriber, column, None)
    subscriber.guardian_name = subscriber.guardian_contact = None
    subscriber.erased_at = utcnow()
    record_access(
        user=user,
        action=AccessAction.ERASE,
        what=_("구독자 삭제(개인정보 파기) #%(id)s", id=subscriber.id),
        subscriber_id=subscriber.id,
    )
    db.session.commit()
    return subscriber


def record_export(*, user: User, what: str, record_count: int) -> None:
    """Write a download of residents' data made elsewhere (survey answers, send results) to the
    access log, and commit: the entry must exist before the file is handed over."""
    record_access(user=user, action=AccessAction.EXPORT, what=what, record_count=record_count)
    db.session.commit()


def record_view(*, user: User, what: str, record_count: int) -> None:
    """Write a view of residents' data shown elsewhere (a campaign's preview or send results)
    to the access log, and commit."""
    record_access(user=user, action=AccessAction.VIEW, what=what, record_count=record_count)
    db.session.commit()
