"""Confirming a mobile number by a code sent to it, as the e-mail is confirmed by a link: SMS
consent given at sign-up counts only once the code comes back.

The code is six random digits, valid for ten minutes and five wrong tries, sent at most three
times; only keyed hashes of it and of the page's token are stored.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from pcrm.db import utcnow
from pcrm.errors import Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging import sms
from pcrm.subscribers.consent import change_consent
from pcrm.subscribers.models import (
    AddressStatus,
    Channel,
    ConsentSource,
    PhoneConfirmation,
    Subscriber,
)

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_SENDS = 3


def _digest(*parts: str) -> str:
    key = current_app.secret_key.encode()
    return hmac.new(key, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()


def _new_code(confirmation: PhoneConfirmation, page: str) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    confirmation.code_hash = _digest("code", page, code)
    confirmation.expires_at = utcnow() + CODE_LIFETIME
    confirmation.attempts = 0
    return code


def start_confirmation(
    subscriber: Subscriber, *, night_sms: bool, notice_version: str | None
) -> tuple[str, str]:
    """Owe a code to the subscriber's phone; returns the page token and the code to send once
    the caller has committed (send_code)."""
    page = secrets.token_urlsafe(24)
    confirmation = PhoneConfirmation(
        subscriber=subscriber, phone=subscriber.phone, page_hash=_digest("page", page),
        night_sms=night_sms, notice_version=notice_version,
    )  # fmt: skip
    code = _new_code(confirmation, page)
    db.session.add(confirmation)
    return page, code


def send_code(phone: str, code: str) -> None:
    """Text the code through the configured SMS provider (a plain SMS, under 90 bytes)."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    text = _(
        "[성동구] 인증번호 %(code)s (%(minutes)d분 안에 입력하세요)", code=code, minutes=minutes
    )
    try:
        sms.provider().send(to=phone, text=text)
    except sms.PermanentSmsError:
        raise Invalid(_("이 번호로는 인증번호를 보낼 수 없습니다.")) from None
    except sms.TemporarySmsError:
        # The provider is down or busy: the person asks again, nothing is lost.
        raise Invalid(
            _("지금은 문자를 보낼 수 없습니다. 잠시 후 인증번호를 다시 받아 주세요.")
        ) from None


def confirmation_for_page(page: str) -> PhoneConfirmation:
    """The confirmation a code page's token names; NotFound if unknown or its person is gone."""
    confirmation = db.session.scalar(
        db.select(PhoneConfirmation).where(PhoneConfirmation.page_hash == _digest("page", page))
    )
    subscriber = confirmation.subscriber if confirmation else None
    if subscriber is None or subscriber.erased_at is not None:
        raise NotFound(_("찾을 수 없습니다."))
    if subscriber.phone != confirmation.phone:
        raise NotFound(_("찾을 수 없습니다."))  # the number changed since: this code is moot
    return confirmation


def _usable(confirmation: PhoneConfirmation) -> None:
    if confirmation.confirmed_at is not None:
        raise Invalid(_("이미 확인을 마친 번호입니다. 인증번호는 한 번만 쓸 수 있습니다."))
    if confirmation.attempts >= MAX_ATTEMPTS:
        raise Invalid(
            _("잘못 입력한 횟수가 많아 이 인증번호는 더 쓸 수 없습니다. 새 인증번호를 받으세요.")
        )
    if utcnow() >= confirmation.expires_at:
        raise Invalid(_("인증번호의 유효 시간이 지났습니다. 새 인증번호를 받으세요."))


def confirm_phone(page: str, code: str) -> Subscriber:
    """The code matches: the number is confirmed and the SMS consent asked for at sign-up counts.

    A wrong code uses up a try (committed before the refusal); nothing is granted.
    """
    confirmation = confirmation_for_page(page)
    _usable(confirmation)
    typed = "".join(ch for ch in code if ch in "0123456789")
    if not hmac.compare_digest(confirmation.code_hash, _digest("code", page, typed)):
        confirmation.attempts += 1
        left = MAX_ATTEMPTS - confirmation.attempts
        db.session.commit()
        raise Invalid(_("인증번호가 맞지 않습니다. %(n)d번 더 입력할 수 있습니다.", n=left))
    return _grant(confirmation)


def _grant(confirmation: PhoneConfirmation) -> Subscriber:
    subscriber = confirmation.subscriber
    confirmation.confirmed_at = utcnow()
    subscriber.phone_status = AddressStatus.VALID
    evidence = _("휴대전화 인증번호로 번호 확인")
    if confirmation.night_sms:
        evidence += "; " + _("야간(21시~8시) 문자 수신 동의 포함")
    if not subscriber.sms_opt_in:
        change_consent(
            subscriber, granted=True, channel=Channel.SMS, source=ConsentSource.WEB_FORM,
            evidence=evidence, notice_version=confirmation.notice_version,
        )  # fmt: skip
    subscriber.night_sms_opt_in = confirmation.night_sms
    db.session.commit()
    return subscriber


def resend_code(page: str) -> None:
    """A new code (the old one stops working), up to MAX_SENDS per sign-up."""
    confirmation = confirmation_for_page(page)
    if confirmation.confirmed_at is not None:
        raise Invalid(_("이미 확인을 마친 번호입니다."))
    if confirmation.sends >= MAX_SENDS:
        raise Invalid(
            _("인증번호는 %(n)d번까지 보낼 수 있습니다. 구청에 문의해 주세요.", n=MAX_SENDS)
        )
    code = _new_code(confirmation, page)
    confirmation.sends += 1
    db.session.commit()
    send_code(confirmation.phone, code)
