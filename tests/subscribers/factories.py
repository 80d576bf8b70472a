"""Subscribers built the way the service builds them."""

from pcrm.extensions import db
from pcrm.subscribers.consent import apply_choices
from pcrm.subscribers.models import (
    AddressStatus,
    Channel,
    ConsentSource,
    Dong,
    Gender,
    Kind,
    Segment,
    Subscriber,
)


def dong_id(name: str = "마장동") -> int:
    return db.session.scalar(db.select(Dong.id).where(Dong.name_ko == name))


def create_subscriber(
    name: str = "김민서",
    *,
    email: str | None = "minseo@example.com",
    phone: str | None = "+821012345678",
    birth_year: int | None = 1985,
    gender: Gender | None = Gender.FEMALE,
    kind: Kind = Kind.INDIVIDUAL,
    dong: str | None = "마장동",
    business_type_code: str | None = None,
    fields: set[str] = frozenset({"survey", "culture"}),
    channels: set[Channel] = frozenset({Channel.EMAIL, Channel.SMS}),
    email_status: AddressStatus = AddressStatus.VALID,
) -> Subscriber:
    subscriber = Subscriber(
        name=name,
        email=email,
        email_status=email_status if email else None,
        phone=phone,
        phone_status=AddressStatus.VALID if phone else None,
        birth_year=birth_year,
        gender=gender,
        kind=kind,
        dong_id=dong_id(dong) if dong else None,
        business_type_code=business_type_code,
    )
    db.session.add(subscriber)
    db.session.flush()
    apply_choices(
        subscriber,
        fields=set(fields),
        channels={c for c in channels if (email if c is Channel.EMAIL else phone)},
        source=ConsentSource.PAPER_FORM,
        evidence="서면 신청서",
    )
    db.session.commit()
    return subscriber


def create_segment(name: str = "정책고객", criteria: dict | None = None) -> Segment:
    segment = Segment(name=name, criteria=criteria or {"fields": ["survey"]})
    db.session.add(segment)
    db.session.commit()
    return segment
