"""Imports record only the consent each row gives: channels, kind, under-14s and their guardians."""

import csv
import io
from datetime import date

import pytest

from pcrm.extensions import db
from pcrm.subscribers.imports import service
from pcrm.subscribers.imports.jobs import run_import
from pcrm.subscribers.models import ConsentEvent, ConsentSource, Kind, Subscriber
from tests.subscribers.factories import create_subscriber

pytestmark = pytest.mark.usefixtures("app")
SOURCE = "서면 신청서, 행당제1동 주민센터, 2026-10"
CHILD = date.today().year - 11  # 2015 in 2026: eleven this year
FOURTEEN = date.today().year - 14  # turns 14 this year: may still be 13
# Like the held-back file: Korean headers as staff type them, one channel column, a kind
# column, children with and without a guardian's consent, a name that starts with "=".
MESSY = f"""성명,전자우편,휴대폰,생년월일,구분,수신채널,법정대리인 동의,관심분야
김민서,minseo@example.com,010-1111-0001,1985-03-02,개인,이메일,,여론조사
박지현,jihyun@example.com,010-1111-0002,1990,개인,문자,,
이도윤,doyun@example.com,010-1111-0003,1978,개인,"이메일,문자",,
최서연,seoyeon@example.com,010-1111-0004,1982,개인,이메일 / 문자,,
마장상사,office@majang.example.com,010-1111-0005,,사업자,E-mail,,
행당마트,,010-1111-0006,,업체,SMS,,
정하은,haeun@example.com,010-1111-0007,{CHILD},개인,"이메일,문자",,
정하준,hajun@example.com,010-1111-0008,{CHILD},개인,이메일,예,
=김철수,cheolsu@example.com,,1970,개인,이메일,,
한지민,,010-1111-0010,1988,개인,이메일,,
오세영,seyoung@example.com,010-1111-0011,1975,개인,,,
윤아름,areum@example.com,010-1111-0012,1992,individual,이메일 및 문자,,
유하늘,haneul@example.com,010-1111-0013,{FOURTEEN},개인,이메일·문자,N,
"""


def run(content: bytes, filename: str = "명단.csv"):
    batch = service.upload_import(filename=filename, content=content, user=None)
    # Staff left "grant channel consent by default" on: the channel column must still win.
    service.start_import(
        batch, mapping=batch.mapping, source=SOURCE, grant_channels=True, enqueue=False
    )
    run_import(batch.id)
    db.session.refresh(batch)
    return batch


def ledger() -> dict[str, set[str]]:
    """Each subscriber's name -> the channels the import's consent events granted."""
    query = (
        db.select(Subscriber.name, ConsentEvent.channel)
        .join(ConsentEvent, ConsentEvent.subscriber_id == Subscriber.id)
        .where(ConsentEvent.source == ConsentSource.IMPORT, ConsentEvent.channel.is_not(None))
    )
    granted: dict[str, set[str]] = {}
    for name, channel in db.session.execute(query):
        granted.setdefault(name, set()).add(str(channel))
    return granted


def report(batch) -> dict[str, tuple[str, str]]:
    body = "".join(service.import_report(batch, user=None).body).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    return {row[4]: (row[1], row[2]) for row in rows}


def test_the_messy_cp949_file_records_exactly_what_each_row_says():
    batch = run(MESSY.encode("cp949"))
    assert batch.mapping["5"] == "channels" and batch.mapping["6"] == "guardian_consent"
    assert ledger() == {
        "김민서": {"email"},
        "박지현": {"sms"},
        "이도윤": {"email", "sms"},
        "최서연": {"email", "sms"},
        "마장상사": {"email"},
        "행당마트": {"sms"},
        "정하준": {"email"},
        "=김철수": {"email"},
        "윤아름": {"email", "sms"},
    }
    people = {s.name: s for s in db.session.scalars(db.select(Subscriber))}
    assert "정하은" not in people and "유하늘" not in people  # under 14, no guardian
    assert not people["한지민"].email_opt_in and not people["한지민"].sms_opt_in
    assert not people["오세영"].email_opt_in and not people["오세영"].sms_opt_in
    assert people["마장상사"].kind is Kind.BUSINESS and people["행당마트"].kind is Kind.BUSINESS
    assert people["김민서"].kind is Kind.INDIVIDUAL
    assert people["정하준"].guardian_consent and not people["김민서"].guardian_consent
    (event,) = db.session.scalars(
        db.select(ConsentEvent).where(
            ConsentEvent.subscriber_id == people["정하준"].id, ConsentEvent.channel.is_not(None)
        )
    ).all()
    assert "법정대리인 동의" in event.evidence and "9행" in event.evidence

    outcomes = report(batch)
    assert len(outcomes) == batch.total_rows == 13
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (11, 0, 2)
    for child in ("정하은", "유하늘"):
        outcome, reason = outcomes[child]
        assert outcome == "건너뜀" and "만 14세 미만" in reason and "법정대리인 동의" in reason
    assert outcomes["한지민"][0] == "새로 등록"
    assert "주소가 없어 이메일 수신 동의를 기록하지 않음" in outcomes["한지민"][1]
    assert outcomes["'=김철수"][0] == "새로 등록"  # written back as text, not a formula


def test_a_row_naming_a_registered_child_is_refused_without_a_guardian():
    child = create_subscriber(
        "정하은", email="haeun@example.com", phone=None, birth_year=CHILD, channels=set()
    )
    batch = run("이름,이메일,수신채널\n정하은,haeun@example.com,이메일\n".encode())
    assert batch.skipped_count == 1
    db.session.refresh(child)
    assert not child.email_opt_in and "정하은" not in ledger()
    (outcome, reason) = report(batch)["정하은"]
    assert outcome == "건너뜀" and "법정대리인" in reason and f"구독자 #{child.id}" in reason


@pytest.mark.parametrize(
    ("cell", "email", "sms"),
    [
        ("email", True, False),
        ("e-mail, SMS", True, True),
        ("메일/휴대폰", True, True),
        ("문자", False, True),
        ("", False, False),
    ],
)
def test_channel_cells_in_korean_and_english(cell, email, sms):
    run(f'Name,Email,Mobile,Channels\nKim,k@example.com,010-2222-3333,"{cell}"\n'.encode())
    (person,) = db.session.scalars(db.select(Subscriber)).all()
    assert (person.email_opt_in, person.sms_opt_in) == (email, sms)


def test_an_unknown_channel_refuses_the_row_with_the_value():
    batch = run("이름,이메일,수신채널\n김,k@example.com,팩스\n".encode())
    assert batch.skipped_count == 1
    assert "수신채널(이메일/문자) 값을 알 수 없습니다: '팩스'" in report(batch)["김"][1]
