"""The 080 opt-out list: synchronised from SENS (the fake server) or imported from a file by staff
or `pcrm sms optouts import`; every number loses SMS consent, once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.sens import SensUnavailable
from pcrm.replies.optouts import sync_opt_out_list
from pcrm.spreadsheets import csv_bytes, xlsx_bytes
from pcrm.subscribers.models import ConsentEvent, ConsentSource, Subscriber
from tests.campaigns.factories import create_texters
from tests.replies.uploads import upload


def ledger(person: Subscriber) -> list[ConsentEvent]:
    query = select(ConsentEvent).where(ConsentEvent.subscriber_id == person.id)
    return list(db.session.scalars(query))


def opted_in(person: Subscriber) -> bool:
    db.session.refresh(person)
    return person.sms_opt_in


def test_the_daily_sync_revokes_every_number_on_the_080_list_once(app, sens):
    listed, signed_up_again, other = create_texters(3)
    sens.add_opt_out("01055550000", via="C")
    sens.add_opt_out("01055550001", days_ago=60)  # opted out before the consent they gave since

    assert sync_opt_out_list() == 1
    assert sync_opt_out_list() == 0
    assert not opted_in(listed) and opted_in(signed_up_again) and opted_in(other)
    (event,) = ledger(listed)
    assert (
        event.source is ConsentSource.OPT_OUT_080
        and event.evidence == "080 수신거부 목록 (080 전화)"
    )


def test_a_provider_down_during_the_sync_changes_nothing(app, sens):
    (person,) = create_texters(1)
    sens.add_opt_out("01055550000")
    sens.down = True
    with pytest.raises(SensUnavailable):  # the job fails, RQ shows it; the next run tries again
        sync_opt_out_list()
    assert opted_in(person)


def test_staff_import_a_list_file_and_see_what_was_done(app, sign_in, client, csrf_token):
    first, second, other = create_texters(3)
    sign_in()
    content = csv_bytes(["번호"], [["010-5555-0000"], ["+82 10 5555 0001"], ["02-2286-0000"], [""]])

    page = upload(client, csrf_token, "/sms/optouts/import", content, "080.csv")

    assert "번호 2개를 읽어 2명의 문자 수신 동의를 철회했습니다." in page
    assert "4행: 휴대전화 번호가 아닙니다" in page
    assert not opted_in(first) and not opted_in(second) and opted_in(other)
    assert "080 수신거부 목록 파일 080.csv" in ledger(first)[0].evidence


def test_a_file_without_any_number_is_refused_with_a_reason(app, sign_in, client, csrf_token):
    sign_in()
    content = csv_bytes(["이름"], [["홍길동"]])
    page = upload(client, csrf_token, "/sms/optouts/import", content, "x.csv")
    assert "파일에서 휴대전화 번호를 찾지 못했습니다." in page


def test_the_command_imports_an_xlsx_list(app, runner, tmp_path):
    (person,) = create_texters(1)
    path = tmp_path / "080.xlsx"
    path.write_bytes(xlsx_bytes(["phone"], [["01055550000"], ["01055550000"], ["abc"]]))

    result = runner.invoke(args=["sms", "optouts", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "2 numbers read, SMS consent revoked for 1 subscribers" in result.output
    assert "4행" in result.output
    assert not opted_in(person)
    again = runner.invoke(args=["sms", "optouts", "import", str(path)])
    assert "revoked for 0 subscribers" in again.output and len(ledger(person)) == 1


def test_a_consent_given_after_the_import_is_kept_by_the_next_sync(app, sens):
    (person,) = create_texters(1)
    sens.add_opt_out("01055550000", days_ago=1)
    sync_opt_out_list()
    person.sms_opt_in, person.sms_consented_at = True, utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert sync_opt_out_list() == 0 and opted_in(person)


def test_without_an_sms_provider_the_sync_does_nothing(app, monkeypatch):
    (person,) = create_texters(1)
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "")
    assert sync_opt_out_list() == 0 and opted_in(person)
