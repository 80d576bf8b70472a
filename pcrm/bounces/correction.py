"""Correcting a bounced e-mail address from the paper form: the new address gets the
registry's confirmation e-mail (double opt-in) and replaces the old one only when its owner
confirms it; until then the old address stays as it is."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.bounces.models import AddressReview, ReviewState
from pcrm.errors import Conflict, Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging.service import is_suppressed
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.addresses import normalise_email
from pcrm.subscribers.consent import note_in_ledger
from pcrm.subscribers.models import AccessAction, Channel, ConsentSource, NoticeKind, Subscriber
from pcrm.subscribers.notices import enqueue_notice, owe_notice


def review_of(review_id: int) -> AddressReview:
    review = db.session.get(AddressReview, review_id)
    if review is None or review.subscriber.erased_at is not None:
        raise NotFound(_("찾을 수 없습니다."))
    return review


def _checked(review: AddressReview, email: str) -> str:
    if review.channel is not Channel.EMAIL:
        raise Invalid(_("휴대전화 번호는 구독자 정보 수정에서 고치세요."), field="email")
    checked = normalise_email(email)
    if not checked.ok or checked.value is None:
        raise Invalid(checked.problem or _("이메일 주소를 적어 주세요."), field="email")
    if checked.value == review.subscriber.email:
        raise Invalid(_("지금 등록된 주소와 같습니다."), field="email")
    if is_suppressed(Channel.EMAIL, checked.value):
        raise Invalid(_("이 주소는 발송 제외 목록에 있습니다."), field="email")
    other = db.session.scalar(select(Subscriber.id).where(Subscriber.email == checked.value))
    if other is not None:
        raise Conflict(_("이미 다른 구독자가 쓰는 이메일입니다."), field="email")
    return checked.value


def correct_email(*, review_id: int, email: str, user: User) -> AddressReview:
    """Send the corrected address a confirmation e-mail; commits, then enqueues it."""
    review = review_of(review_id)
    address = _checked(review, email)
    subscriber = review.subscriber
    review.state, review.pending_email = ReviewState.CORRECTING, address
    # Residents' registry e-mail goes out in Korean unless they chose otherwise themselves.
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    notice = owe_notice(subscriber, NoticeKind.CONFIRM_EMAIL, address=address, locale=locale)
    note_in_ledger(
        subscriber,
        channel=Channel.EMAIL,
        source=ConsentSource.STAFF,
        evidence=_("이메일 주소 정정: 새 주소로 확인 메일을 보냄(확인 전까지 기존 주소 유지)"),
        actor=user,
    )
    what = _("반송 주소 정정 #%(id)s", id=subscriber.id)
    record_access(user=user, action=AccessAction.EDIT, what=what, subscriber_id=subscriber.id)
    db.session.commit()
    enqueue_notice(notice)
    return review
