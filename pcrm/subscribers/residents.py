"""What residents do themselves: sign up (double opt-in for e-mail, a guardian for under-14s)
and manage their preferences from a message link or a signed link sent on request.

Other domains call `subscriber_for_message`, `update_preferences`, `unsubscribe_field` and
`unsubscribe_all`: tracking's unsubscribe page and one-click link revoke consent through them.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select

from pcrm.errors import Conflict, Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging.service import message_for_token
from pcrm.subscribers import notices, phones
from pcrm.subscribers.addresses import normalise_email, normalise_phone
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.consent import apply_choices, change_consent, note_in_ledger
from pcrm.subscribers.models import (
    AddressStatus,
    Channel,
    ConsentSource,
    Gender,
    Kind,
    NoticeKind,
    Subscriber,
    SubscriberNotice,
)

# The consent notice residents read on the sign-up page (templates/subscribers/_notice.html);
# bump it whenever that wording changes, so each consent records what was shown.
NOTICE_VERSION = "2026-11"


@dataclass
class SignUp:
    kind: Kind
    name: str
    email: str | None
    phone: str | None
    birth_year: int | None
    gender: Gender | None
    dong_id: int | None
    business_type_code: str | None
    fields: frozenset[str]
    channels: frozenset[Channel]
    night_sms: bool = False
    guardian_name: str = ""
    guardian_contact: str = ""
    guardian_agreed: bool = False


def _guardian_evidence(form: SignUp) -> str:
    if not may_be_under_14(form.birth_year):
        return ""
    if not (form.guardian_agreed and form.guardian_name.strip() and form.guardian_contact.strip()):
        raise Invalid(_("만 14세 미만은 법정대리인(보호자)의 동의가 있어야 가입할 수 있습니다."))
    return _(
        "법정대리인 동의: %(name)s (%(contact)s)",
        name=form.guardian_name.strip(),
        contact=form.guardian_contact.strip(),
    )


def _existing(email: str | None, phone: str | None) -> Subscriber | None:
    keys = [Subscriber.email == email] if email else []
    keys += [Subscriber.phone == phone] if phone else []
    return db.session.scalar(select(Subscriber).where(or_(*keys)).limit(1))


def _checked(form: SignUp) -> tuple[str | None, str | None]:
    email, phone = normalise_email(form.email), normalise_phone(form.phone)
    problems = [checked.problem for checked in (email, phone) if checked.problem]
    if problems:
        raise Invalid(" ".join(problems))
    if Channel.EMAIL in form.channels and not email.value:
        raise Invalid(_("이메일로 받으려면 이메일 주소를 입력하세요."))
    if Channel.SMS in form.channels and not phone.value:
        raise Invalid(_("문자로 받으려면 휴대전화 번호를 입력하세요."))
    return email.value, phone.value


def _new_subscriber(form: SignUp, email: str | None, phone: str | None, guardian: str):
    subscriber = Subscriber(
        kind=form.kind,
        name=form.name.strip()[:100],
        email=email,
        phone=phone,
        email_status=AddressStatus.PENDING if email else None,
        phone_status=AddressStatus.PENDING if phone else None,  # until the SMS code comes back
        birth_year=form.birth_year,
        gender=form.gender,
        dong_id=form.dong_id,
        business_type_code=form.business_type_code if form.kind is Kind.BUSINESS else None,
        guardian_consent=bool(guardian),
        guardian_name=form.guardian_name.strip()[:100] or None if guardian else None,
        guardian_contact=form.guardian_contact.strip()[:254] or None if guardian else None,
    )
    db.session.add(subscriber)
    db.session.flush()
    return subscriber


def sign_up(*, form: SignUp) -> str | None:
    """Register a resident; e-mail consent waits for the confirmation link, SMS consent for the
    code texted to the phone. Returns the token of the code page when a code was sent.

    The page afterwards is the same whether or not the address was already registered, so the
    form cannot be used to learn who is; a registered e-mail gets a preferences link instead.
    """
    guardian = _guardian_evidence(form)
    email, phone = _checked(form)
    existing = _existing(email, phone)
    if existing is not None:
        _remind_existing(existing)
        return _confirm_phone_again(existing, phone, form)
    subscriber = _new_subscriber(form, email, phone, guardian)
    evidence = _("웹 가입 신청서") + (f"; {guardian}" if guardian else "")
    # Channels are granted by what proves the address: the e-mail link, the SMS code.
    apply_choices(
        subscriber, fields=set(form.fields), channels=set(), source=ConsentSource.WEB_FORM,
        evidence=evidence, notice_version=NOTICE_VERSION,
    )  # fmt: skip
    notice = code = page = None
    if email and Channel.EMAIL in form.channels:
        notice = notices.owe_notice(subscriber, NoticeKind.CONFIRM_EMAIL, NOTICE_VERSION)
    if phone and Channel.SMS in form.channels:
        page, code = phones.start_confirmation(
            subscriber, night_sms=form.night_sms, notice_version=NOTICE_VERSION
        )
    db.session.commit()
    if notice is not None:
        notices.enqueue_notice(notice)
    if code is not None:
        phones.send_code(phone, code)
    return page


def _confirm_phone_again(subscriber: Subscriber, phone: str | None, form: SignUp) -> str | None:
    """A registered number asking for SMS gets a code too: the page after sign-up does not tell
    a stranger whether the number is registered, and the code proves who holds it."""
    if not (phone and Channel.SMS in form.channels and subscriber.phone == phone):
        return None
    page, code = phones.start_confirmation(
        subscriber, night_sms=form.night_sms, notice_version=NOTICE_VERSION
    )
    db.session.commit()
    phones.send_code(phone, code)
    return page


def _remind_existing(subscriber: Subscriber) -> None:
    if subscriber.erased_at is None and subscriber.email:
        notice = notices.owe_notice(subscriber, NoticeKind.PREFERENCES_LINK)
        db.session.commit()
        notices.enqueue_notice(notice)


def _live(subscriber_id) -> Subscriber:
    subscriber = (
        db.session.get(Subscriber, subscriber_id) if isinstance(subscriber_id, int) else None
    )
    if subscriber is None or subscriber.erased_at is not None:
        raise NotFound(_("찾을 수 없습니다."))
    return subscriber


def subscriber_for_confirmation(token: str) -> tuple[Subscriber, SubscriberNotice]:
    """The subscriber a confirmation link names, and its notice; else NotFound."""
    notice = notices.notice_for_token(NoticeKind.CONFIRM_EMAIL, token)
    if notice is None:
        raise NotFound(_("찾을 수 없습니다."))
    return _live(notice.subscriber_id), notice


def confirm_email(token: str) -> Subscriber:
    """The double opt-in: the link proves the address, and e-mail consent starts now."""
    subscriber, notice = subscriber_for_confirmation(token)
    if notice.address and notice.address != subscriber.email:
        _take_corrected_address(subscriber, notice.address)
    if subscriber.email_status is AddressStatus.PENDING:
        subscriber.email_status = AddressStatus.VALID
    if not subscriber.email_opt_in:
        change_consent(
            subscriber,
            granted=True,
            channel=Channel.EMAIL,
            source=ConsentSource.WEB_FORM,
            evidence=_("이메일 확인 링크로 수신 동의 확인(double opt-in)"),
            notice_version=notice.notice_version,
        )
    db.session.commit()
    return subscriber


def _take_corrected_address(subscriber: Subscriber, address: str) -> None:
    """An address staff corrected, now confirmed by its owner, replaces the old one."""
    taken = db.session.scalar(
        select(Subscriber.id).where(Subscriber.email == address, Subscriber.id != subscriber.id)
    )
    if taken is not None:
        raise Conflict(_("이 이메일 주소는 이미 다른 구독자가 쓰고 있습니다."))
    subscriber.email, subscriber.email_status = address, AddressStatus.VALID
    note_in_ledger(
        subscriber,
        channel=Channel.EMAIL,
        source=ConsentSource.WEB_FORM,
        evidence=_("담당자가 정정한 이메일 주소를 본인이 확인 링크로 확인함"),
    )


def request_preferences_link(*, email: str) -> None:
    """E-mail a signed preferences link if the address is registered; silent either way."""
    checked = normalise_email(email)
    if not checked.ok:
        return
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == checked.value))
    if subscriber is not None:
        _remind_existing(subscriber)


def subscriber_for_link(token: str) -> Subscriber:
    """The subscriber a signed preferences link names; NotFound if tampered or expired."""
    notice = notices.notice_for_token(NoticeKind.PREFERENCES_LINK, token)
    if notice is None:
        raise NotFound(_("찾을 수 없습니다."))
    return _live(notice.subscriber_id)


def subscriber_for_message(token: str) -> tuple[Subscriber, int]:
    """The recipient of the message a link's token names, and the message id; else NotFound."""
    message = message_for_token(token)
    if message is None:
        raise NotFound(_("찾을 수 없습니다."))
    return _live(message.subscriber_id), message.id


def _usable(subscriber: Subscriber, channels: set[Channel]) -> set[Channel]:
    """Channels consent can be given for: an address on file and confirmed."""
    usable = set()
    if subscriber.email and subscriber.email_status is not AddressStatus.PENDING:
        usable.add(Channel.EMAIL)
    if subscriber.phone and subscriber.phone_status is not AddressStatus.PENDING:
        usable.add(Channel.SMS)
    return channels & usable


def update_preferences(
    subscriber: Subscriber,
    *,
    fields: set[str],
    channels: set[Channel],
    source: ConsentSource,
    evidence: str,
) -> int:
    """Set the subscriber's fields and channels as they chose; returns how many changed."""
    kept = {c for c in (Channel.EMAIL, Channel.SMS) if c in channels}
    events = apply_choices(
        subscriber,
        fields=set(fields),
        channels=_usable(subscriber, kept),
        source=source,
        evidence=evidence,
    )
    db.session.commit()
    return len(events)


def unsubscribe_field(
    subscriber: Subscriber, *, field_code: str, source: ConsentSource, evidence: str
) -> bool:
    """Stop one field (e.g. opinion surveys) at once; False if it was not subscribed."""
    if field_code not in {field.code for field in subscriber.interests}:
        return False
    change_consent(
        subscriber, granted=False, field_code=field_code, source=source, evidence=evidence
    )
    db.session.commit()
    return True


def unsubscribe_channel(
    subscriber: Subscriber, *, channel: Channel, source: ConsentSource, evidence: str
) -> bool:
    """Stop one channel (every text, say) at once, the fields kept; False if it was off."""
    opted = subscriber.sms_opt_in if channel is Channel.SMS else subscriber.email_opt_in
    if not opted:
        return False
    change_consent(subscriber, granted=False, channel=channel, source=source, evidence=evidence)
    db.session.commit()
    return True


def unsubscribe_all(subscriber: Subscriber, *, source: ConsentSource, evidence: str) -> int:
    """Stop everything: every channel and every field, at once; returns how many changed."""
    events = apply_choices(
        subscriber, fields=set(), channels=set(), source=source, evidence=evidence
    )
    db.session.commit()
    return len(events)
