"""Audiences: criteria over the registry, and the one rule of who may be contacted.

A subscriber is reachable on a channel for a field only with consent for that channel, interest
in that field (the field's consent), a valid address, and not erased. Campaigns launch from
`reachable_ids`; segments count with `matching`. Nothing here takes raw SQL from users.
"""

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select

from pcrm.subscribers.age import BY_CODE
from pcrm.subscribers.models import AddressStatus, Channel, Subscriber, subscriber_interest


@dataclass(frozen=True)
class Criteria:
    """Who an audience is; an empty tuple means no restriction on that dimension."""

    fields: tuple[str, ...] = ()
    fields_match: str = "any"  # "any" or "all" of `fields`
    age_bands: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    dong_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    business_types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()  # reachable on at least one of these channels

    @classmethod
    def from_json(cls, data: dict | None) -> "Criteria":
        data = data or {}
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        return cls(**{k: v if isinstance(v, str) else tuple(v) for k, v in values.items()})

    def to_json(self) -> dict:
        return {k: v if isinstance(v, str) else list(v) for k, v in asdict(self).items()}


def has_interest(field_code: str) -> ColumnElement[bool]:
    return exists().where(
        subscriber_interest.c.subscriber_id == Subscriber.id,
        subscriber_interest.c.field_code == field_code,
    )


def reachable_on(channel: Channel | str) -> ColumnElement[bool]:
    """Consent for the channel and a valid address on it."""
    if Channel(channel) is Channel.EMAIL:
        return and_(
            Subscriber.email_opt_in.is_(True),
            Subscriber.email.is_not(None),
            Subscriber.email_status == AddressStatus.VALID,
        )
    return and_(
        Subscriber.sms_opt_in.is_(True),
        Subscriber.phone.is_not(None),
        Subscriber.phone_status == AddressStatus.VALID,
    )


def age_condition(codes: tuple[str, ...], today: date) -> ColumnElement[bool]:
    ranges = []
    for code in codes:
        earliest, latest = BY_CODE[code].birth_years(today.year)
        bounds = [Subscriber.birth_year <= latest]
        if earliest is not None:
            bounds.append(Subscriber.birth_year >= earliest)
        ranges.append(and_(*bounds))
    return or_(*ranges) if ranges else false()


def conditions(criteria: Criteria, today: date | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions on Subscriber for `criteria` (live subscribers only)."""
    today = today or date.today()
    where: list[ColumnElement[bool]] = [Subscriber.erased_at.is_(None)]
    if criteria.fields:
        interests = [has_interest(code) for code in criteria.fields]
        where.append(and_(*interests) if criteria.fields_match == "all" else or_(*interests))
    if criteria.age_bands:
        where.append(age_condition(criteria.age_bands, today))
    simple = (
        (criteria.genders, Subscriber.gender),
        (criteria.dong_ids, Subscriber.dong_id),
        (criteria.kinds, Subscriber.kind),
        (criteria.business_types, Subscriber.business_type_code),
    )
    where += [column.in_(values) for values, column in simple if values]
    if criteria.channels:
        where.append(or_(*(reachable_on(channel) for channel in criteria.channels)))
    return where


def matching(criteria: Criteria, today: date | None = None) -> Select:
    """Subscribers matching `criteria`."""
    return select(Subscriber).where(*conditions(criteria, today))


def count(criteria: Criteria, today: date | None = None) -> Select:
    return select(func.count()).select_from(Subscriber).where(*conditions(criteria, today))


def reachable_ids(
    criteria: Criteria,
    *,
    channel: Channel | str,
    field_code: str,
    consented_since: datetime | None = None,
    today: date | None = None,
) -> Select:
    """Ids of subscribers a campaign on `channel` about `field_code` may contact.

    `consented_since` enforces the advertising rule that consent be recent (promotional only).
    """
    where = [*conditions(criteria, today), reachable_on(channel), has_interest(field_code)]
    if consented_since is not None:
        consented_at = (
            Subscriber.email_consented_at
            if Channel(channel) is Channel.EMAIL
            else Subscriber.sms_consented_at
        )
        where.append(consented_at >= consented_since)
    return select(Subscriber.id).where(*where)
