"""A demo resident who signed up for text messages and has not typed the code yet (once): the
code waits in the SMS outbox, and the registry shows the number as unconfirmed."""

from sqlalchemy import func, select

from pcrm.extensions import db
from pcrm.subscribers import residents
from pcrm.subscribers.models import Channel, Dong, Gender, Kind, PhoneConfirmation

PENDING_PHONE = "010-2015-0314"


def load_pending_signup() -> None:
    """Sign a resident up by SMS through the public use case, unless one is already pending."""
    if db.session.scalar(select(func.count()).select_from(PhoneConfirmation)):
        return
    dong_id = db.session.scalar(select(Dong.id).where(Dong.name_ko == "행당제1동"))
    residents.sign_up(
        form=residents.SignUp(
            kind=Kind.INDIVIDUAL, name="문자 확인 대기 주민", email=None, phone=PENDING_PHONE,
            birth_year=1988, gender=Gender.FEMALE, dong_id=dong_id, business_type_code=None,
            fields=frozenset({"survey", "health"}), channels=frozenset({Channel.SMS}),
        )
    )  # fmt: skip
