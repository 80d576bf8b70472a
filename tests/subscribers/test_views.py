import io
import re

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.subscribers.models import AccessLog, ConsentSource, Segment, Subscriber
from pcrm.surveys import responding
from pcrm.surveys.models import Survey
from tests.factories import create_user
from tests.subscribers.factories import create_segment, create_subscriber
from tests.surveys.factories import create_bus_survey, create_invitation, publish


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_pr_staff_search_the_registry_and_the_listing_is_logged(client, auth):
    create_user("pr@example.kr")
    create_subscriber("김민서", email="minseo@example.com", phone="+821012345678")
    create_subscriber("박지현", email="jihyun@example.com", phone="+821098765432")
    auth.login("pr@example.kr")
    page = client.get("/subscribers/?q=010-9876").get_data(as_text=True)
    assert "박지현" in page and "김민서" not in page
    page = client.get("/subscribers/?q=minseo@").get_data(as_text=True)
    assert "김민서" in page and "박지현" not in page
    entries = db.session.scalars(db.select(AccessLog).order_by(AccessLog.id)).all()
    assert [e.record_count for e in entries] == [1, 1]
    assert "검색어: minseo@" in entries[-1].what and entries[-1].user_id is not None
    client.get("/subscribers/?fields=survey&fields=culture&status=email_bounced")
    what = db.session.scalars(db.select(AccessLog).order_by(AccessLog.id.desc())).first().what
    assert "여론조사" in what and "이메일 반송" in what  # words, not codes or Python lists
    assert "survey" not in what and "[" not in what


def test_the_registry_opens_without_filter_errors(client, auth):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    page = client.get("/subscribers/").get_data(as_text=True)
    assert 'class="error"' not in page and 'aria-invalid="true"' not in page


def test_filters_by_interest_field_and_status(client, auth):
    create_user("pr@example.kr")
    create_subscriber("설문참여자", email="a@example.com", phone=None, fields={"survey"})
    create_subscriber("문화애호가", email="b@example.com", phone=None, fields={"culture"})
    auth.login("pr@example.kr")
    page = client.get("/subscribers/?fields=survey").get_data(as_text=True)
    assert "설문참여자" in page and "문화애호가" not in page
    page = client.get("/subscribers/?status=unsubscribed").get_data(as_text=True)
    assert "조건에 맞는 구독자가 없습니다" in page


def test_department_staff_cannot_open_the_registry_but_see_segments(client, auth):
    create_user("dept@example.kr", role=Role.DEPARTMENT)
    create_subscriber()
    segment = create_segment("정책고객 전체")
    auth.login("dept@example.kr")
    assert client.get("/subscribers/").status_code == 403
    assert client.get("/subscribers/1").status_code == 403
    assert client.get("/subscribers/export.csv").status_code == 403
    page = client.get("/segments/").get_data(as_text=True)
    assert "정책고객 전체" in page
    assert client.get(f"/segments/{segment.id}").status_code == 200
    assert client.get("/segments/new").status_code == 403


def test_opening_a_subscriber_shows_the_ledger_and_is_logged(client, auth):
    create_user("pr@example.kr")
    subscriber = create_subscriber()
    auth.login("pr@example.kr")
    page = client.get(f"/subscribers/{subscriber.id}").get_data(as_text=True)
    assert "동의 이력" in page and "서면 신청서" in page and "응답한 설문" in page
    entry = db.session.scalars(db.select(AccessLog)).one()
    assert entry.subscriber_id == subscriber.id and entry.actor.startswith("홍길동")


def test_create_edit_and_erase_a_subscriber(client, auth):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    form = client.get("/subscribers/new").get_data(as_text=True)
    response = client.post(
        "/subscribers/new",
        data={
            "csrf_token": _token(form), "kind": "individual", "name": "이수영",
            "email": "Suyoung@Example.com", "phone": "010-2222-3333", "birth_year": "1990",
            "gender": "", "dong_id": "", "business_type_code": "",
            "fields": ["survey"], "channels": ["email", "sms"], "evidence": "전화 요청",
        },
    )  # fmt: skip
    assert response.status_code == 302
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert (subscriber.email, subscriber.phone) == ("suyoung@example.com", "+821022223333")
    assert subscriber.email_opt_in and subscriber.sms_opt_in
    page = client.get(f"/subscribers/{subscriber.id}").get_data(as_text=True)
    response = client.post(
        f"/subscribers/{subscriber.id}/erase", data={"csrf_token": _token(page), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert subscriber.name is None and subscriber.erased_at is not None


def test_export_csv_neutralises_formulas_and_is_logged(client, auth):
    create_user("pr@example.kr")
    create_subscriber("=cmd|' /C calc'!A0", email="x@example.com", phone=None)
    auth.login("pr@example.kr")
    response = client.get("/subscribers/export.csv")
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=cmd|" in text and ",=cmd" not in text
    entry = db.session.scalars(db.select(AccessLog).where(AccessLog.action == "export")).one()
    assert entry.record_count == 1


def test_export_xlsx_has_no_formula_cells(client, auth):
    from openpyxl import load_workbook

    create_user("pr@example.kr")
    create_subscriber("@SUM(1+1)", email="x@example.com", phone=None)
    auth.login("pr@example.kr")
    response = client.get("/subscribers/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'@SUM(1+1)" in [c.value for c in cells]


def test_admin_reads_the_access_log(client, auth):
    create_user("admin@example.kr", role=Role.ADMIN)
    subscriber = create_subscriber()
    auth.login("admin@example.kr")
    client.get(f"/subscribers/{subscriber.id}")
    page = client.get("/subscribers/access-log").get_data(as_text=True)
    assert f"#{subscriber.id}" in page
    assert "<td>조회 (<a" in page  # the action in words, not its stored code ("view")


def test_pr_staff_cannot_read_the_access_log(client, auth):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    assert client.get("/subscribers/access-log").status_code == 403


def test_pr_staff_define_a_segment_and_count_it(client, auth):
    create_user("pr@example.kr")
    create_subscriber("설문참여자", email="a@example.com", phone=None, fields={"survey"})
    create_subscriber("문화애호가", email="b@example.com", phone=None, fields={"culture"})
    auth.login("pr@example.kr")
    form = client.get("/segments/new").get_data(as_text=True)
    data = {"csrf_token": _token(form), "name": "여론조사 동의자", "fields": ["survey"]}
    counted = client.post("/segments/new", data=data | {"action": "count"})
    assert "이 조건의 현재 인원" in counted.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Segment)) == 0
    response = client.post("/segments/new", data=data | {"action": "save"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "여론조사 동의자" in page
    segment = db.session.scalars(db.select(Segment)).one()
    assert segment.criteria["fields"] == ["survey"]


def test_import_through_the_pages_with_a_real_worker(app, client, auth):
    from pcrm.queue import DEFAULT
    from pcrm.worker import run_worker

    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    page = client.get("/subscribers/imports/").get_data(as_text=True)
    content = "성명,휴대폰,메모\n김민서,010-1234-5678,서면\n박지현,010-9876-5432,전화\n".encode(
        "cp949"
    )
    response = client.post(
        "/subscribers/imports/",
        data={"csrf_token": _token(page), "file": (io.BytesIO(content), "명단.csv")},
        content_type="multipart/form-data",
    )
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert "알 수 없는 머리글입니다" in page  # 메모 must be decided
    form = {"csrf_token": _token(page), "col_0": "name", "col_1": "phone", "col_2": "",
            "source": "서면 신청서, 마장동 주민센터, 2015-03", "grant_channels": "y"}  # fmt: skip
    preview = client.post(mapping_url, data=form | {"action": "preview"}).get_data(as_text=True)
    assert (
        "미리 보기" in preview
        and "휴대전화: 010-1234-5678" in preview
        and "이름: 김민서" in preview
    )
    refused = client.post(mapping_url, data=form | {"action": "start"}).get_data(as_text=True)
    assert "메모" in refused and "고르세요" in refused
    response = client.post(mapping_url, data=form | {"action": "start", "col_2": "ignore"})
    progress = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in progress and "새로 고침" in progress  # updated by script, or by hand
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True)
    progress = client.get(mapping_url).get_data(as_text=True)
    assert "새로 고침" not in progress and "· 완료" in progress
    assert "건너뛴 행" not in progress  # none were skipped
    status = client.get(f"{mapping_url}/status").get_json()
    assert status == {
        "status": "done",
        "status_label": "완료",
        "processed": 2,
        "total": 2,
        "percent": 100,
        "finished": True,
    }
    report = client.get(f"{mapping_url}/report.csv").get_data().decode("utf-8-sig")
    assert report.count("새로 등록") == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 2


def test_edit_page_shows_the_current_consents(client, auth):
    create_user("pr@example.kr")
    subscriber = create_subscriber(fields={"survey"})
    auth.login("pr@example.kr")
    page = client.get(f"/subscribers/{subscriber.id}/edit").get_data(as_text=True)
    assert 'value="survey" checked' in page or 'checked id="fields-' in page


def test_the_subscriber_page_lists_survey_responses_but_never_anonymous_ones(client, auth):
    person = create_subscriber("응답자", email="a@example.com", phone=None)
    named = publish(create_bus_survey())
    hidden = publish(create_bus_survey(anonymous=True))
    db.session.execute(db.update(Survey).where(Survey.id == hidden.id).values(title="익명 설문"))
    db.session.commit()
    for survey, key in ((named, "a"), (hidden, "b")):
        message = create_invitation(survey, person)
        responding.submit_response(survey=survey, values={}, submission_key=key, message=message)
    auth.login("pr@example.kr")
    page = client.get(f"/subscribers/{person.id}").get_data(as_text=True)
    responses = page[page.index('id="responses"') :]
    assert f'href="/surveys/{named.id}/results">{named.title}</a>' in responses
    assert "익명 설문" not in page


def test_someone_who_never_agreed_is_not_listed_as_having_opted_out(client, auth):
    from pcrm.subscribers.residents import unsubscribe_all

    create_user("pr@example.kr")
    create_subscriber("동의없음", email="none@example.com", phone=None, channels=set())
    left = create_subscriber("거부함", email="left@example.com", phone=None)
    unsubscribe_all(left, source=ConsentSource.UNSUBSCRIBE_LINK, evidence="링크")
    auth.login("pr@example.kr")
    page = client.get("/subscribers/").get_data(as_text=True)
    row = {name: page.split(name, 1)[1].split("</tr>", 1)[0] for name in ("동의없음", "거부함")}
    assert "수신 동의 없음" in row["동의없음"] and "수신 거부" not in row["동의없음"]
    assert "수신 거부" in row["거부함"]
    opted_out = client.get("/subscribers/?status=unsubscribed").get_data(as_text=True)
    assert "거부함" in opted_out and "동의없음" not in opted_out


def test_the_import_result_page_lists_the_skipped_rows_and_why(app, client, auth):
    from pcrm.queue import DEFAULT
    from pcrm.subscribers.imports import service
    from pcrm.worker import run_worker

    user = create_user("pr@example.kr")
    content = "이름,이메일\n김민서,minseo@example.com\n박지현,\n".encode()
    batch = service.upload_import(filename="명단.csv", content=content, user=user)
    service.start_import(
        batch, mapping={"0": "name", "1": "email"}, source="서면 신청서", grant_channels=True
    )
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True)
    auth.login("pr@example.kr")
    page = client.get(f"/subscribers/imports/{batch.id}").get_data(as_text=True)
    assert "건너뛴 행" in page
    row = page.split('<td class="num">3</td>', 1)[1].split("</tr>", 1)[0]
    assert "연락처(이메일 또는 휴대전화)가 없습니다" in row
    logged = db.session.scalars(db.select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert "건너뛴 행" in logged.what and logged.record_count == 1


def test_the_segment_form_counts_live_and_keeps_chosen_dongs_open(client, auth):
    from tests.subscribers.factories import dong_id

    create_user("pr@example.kr")
    create_subscriber("설문참여자", email="a@example.com", phone=None, fields={"survey"})
    create_subscriber("문자만", email=None, phone="+821011112222", fields={"survey"})
    create_subscriber("문화애호가", email="b@example.com", phone=None, fields={"culture"})
    auth.login("pr@example.kr")
    counted = client.get("/segments/count?fields=survey").get_json()
    assert counted["total"] == 2 and counted["by_channel"]["email"] == 1
    assert counted["words"].startswith("지금 2명 (이메일 1명 · 문자 1명")
    assert client.get("/segments/count?dong_ids=not-a-number").status_code == 200
    form = client.get("/segments/new").get_data(as_text=True)
    data = {"csrf_token": _token(form), "name": "마장동", "dong_ids": [dong_id("마장동")]}
    page = client.post("/segments/new", data=data | {"action": "count"}).get_data(as_text=True)
    assert "<details open><summary>동: 마장동</summary>" in page


def test_department_staff_cannot_count_the_registry(client, auth):
    from tests.factories import create_department

    create_user("bus@example.kr", role=Role.DEPARTMENT, department=create_department())
    auth.login("bus@example.kr")
    assert client.get("/segments/count?fields=survey").status_code == 403


def test_the_registry_numbers_its_pages_and_names_the_filters_applied(client, auth):
    from pcrm.subscribers.browse import PAGE_SIZE

    create_user("pr@example.kr")
    for n in range(PAGE_SIZE + 1):
        create_subscriber(f"주민{n:03}", email=f"r{n}@example.com", phone=None, fields={"survey"})
    auth.login("pr@example.kr")
    first = client.get("/subscribers/?fields=survey").get_data(as_text=True)
    assert "1 / 2쪽" in first and "조건: 관심분야: 여론조사" in first
    following = re.search(r'href="([^"]*after=[^"]*)" rel="next"', first).group(1)
    assert "n=2" in following
    second = client.get(following.replace("&amp;", "&")).get_data(as_text=True)
    assert "2 / 2쪽" in second and 'rel="next"' not in second
    assert "조건:" not in client.get("/subscribers/").get_data(as_text=True)
