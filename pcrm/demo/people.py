"""Synthetic residents and businesses, distributed like the district's registry in 2015."""

import random
from collections.abc import Iterator
from datetime import date

from pcrm.reference import reference
from pcrm.subscribers.age import BY_CODE, GUARDIAN_AGE

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민"
GIVEN = "민서지현수영준우진호은하윤도연성예주원경아재혜승태희정동소채유나라선"
TRADES = ("상사", "약국", "식당", "공인중개사", "의원")
BUSINESS_WORDS = (
    "성동",
    "왕십리",
    "성수",
    "금호",
    "옥수",
    "한양",
    "응봉",
    "마장",
    "행당",
    "서울숲",
)
# The share of subscribers with each address, and how many of those addresses are bad:
# the registry the office inherited delivered only 82% of its survey e-mail.
HAS_EMAIL, HAS_PHONE, BAD_EMAIL = 0.72, 0.93, 0.06


def _weighted(rng: random.Random, items: list[dict]) -> dict:
    return rng.choices(items, weights=[i["subscribers"] for i in items])[0]


def _birth_year(rng: random.Random, year: int) -> int:
    band = BY_CODE[_weighted(rng, reference()["age_bands"])["code"]]
    earliest, latest = band.birth_years(year)
    # Under-20s who subscribe are past the guardian rule: with only a birth year, someone who
    # turns 14 this year may still be 13 (age.may_be_under_14), and the demo has no guardians.
    latest = min(latest, year - GUARDIAN_AGE - 1)
    return rng.randint(earliest if earliest is not None else year - 90, latest)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        number = f"+8210{rng.randint(20000000, 99999999)}"
        if number not in used:
            used.add(number)
            return number


def synthetic_subscribers(count: int, seed: int, today: date) -> Iterator[dict]:
    """Rows for `count` subscribers: individuals and businesses in the reference proportions."""
    ref = reference()
    rng = random.Random(seed)
    totals = ref["subscribers_total"]
    share_business = totals["businesses"] / (totals["individuals"] + totals["businesses"])
    everyone = totals["individuals"] + totals["businesses"]
    field_odds = {f["code"]: f["subscribers"] / everyone for f in ref["interest_fields"]}
    phones: set[str] = set()
    for n in range(1, count + 1):
        business = rng.random() < share_business
        row = {
            "kind": "business" if business else "individual",
            "dong_index": rng.randrange(len(ref["dongs"])),
            "fields": [code for code, odds in field_odds.items() if rng.random() < odds],
        }
        if business:
            row["name"] = rng.choice(BUSINESS_WORDS) + rng.choice(GIVEN) + rng.choice(TRADES)
            row["business_type_code"] = _weighted(rng, ref["business_types"])["code"]
            row["birth_year"] = row["gender"] = None
        else:
            row["name"] = _person_name(rng)
            row["business_type_code"] = None
            row["birth_year"] = _birth_year(rng, today.year)
            row["gender"] = rng.choice(("female", "male"))
        if rng.random() < HAS_EMAIL:
            row["email"] = f"resident{seed}-{n}@example.com"
            row["email_status"] = "bounced" if rng.random() < BAD_EMAIL else "valid"
        if rng.random() < HAS_PHONE or "email" not in row:
            row["phone"] = _phone(rng, phones)
        row["night_sms_opt_in"] = rng.random() < 0.1
        yield row
