"""Naming each department's officers (소통담당) over HTTP: PR staff name, mark and remove; a
department's head officer reads its list; removing gives the open items back, in the trail."""

import pytest

from pcrm.auth.models import Role
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.voice import handling
from pcrm.voice.models import VoiceAction, VoiceOfficer
from tests.factories import create_department, create_user
from tests.voice.helpers import create_item, name_officer
from tests.voice.test_views import _post, _token


def test_pr_names_an_active_officer_of_the_department_only(app, client, sign_in):
    roads, parks = create_department("도로과", "Roads"), create_department("공원녹지과", "Parks")
    kim = create_user("kim@example.kr", role=Role.DEPARTMENT, department=roads, name="김도로")
    gone = create_user("gone@example.kr", role=Role.DEPARTMENT, department=roads, name="퇴직자")
    gone.active = False
    park = create_user("park@example.kr", role=Role.DEPARTMENT, department=parks, name="박공원")
    db.session.commit()
    sign_in(Role.PR)
    assert "부서별 소통담당" in client.get("/inbox").get_data(as_text=True)
    assert "도로과" in client.get("/inbox/officers").get_data(as_text=True)
    page = f"/inbox/officers/{roads.id}"
    form = client.get(page).get_data(as_text=True)
    assert "김도로" in form and "퇴직자" not in form and "박공원" not in form
    for outsider in (gone, park):
        response = _post(client, page, page, user_id=str(outsider.id))
        assert response.status_code == 200 and "재직 중인 직원" in response.get_data(as_text=True)
    assert client.post(page, data={"user_id": str(kim.id)}).status_code == 400  # no CSRF
    response = _post(client, page, page, user_id=str(kim.id), head="y")
    assert response.status_code == 302
    officer = db.session.scalars(db.select(VoiceOfficer)).one()
    assert (officer.department_id, officer.user_id, officer.head) == (roads.id, kim.id, True)
    assert "김도로" not in client.get(page).get_data(as_text=True).split("소통담당 지정")[1]

    response = _post(client, f"{page}/{officer.id}/head", page, head="0")
    db.session.refresh(officer)
    assert response.status_code == 302 and officer.head is False
    other = f"/inbox/officers/{parks.id}/{officer.id}/remove"
    assert _post(client, other, page).status_code == 404  # not that department's officer


def test_removing_an_officer_gives_their_open_items_back_to_the_department(app, client, sign_in):
    roads = create_department("도로과", "Roads")
    pr = sign_in(Role.PR)
    kim = create_user("kim@example.kr", role=Role.DEPARTMENT, department=roads, name="김도로")
    officer = name_officer(roads, kim)
    items = [create_item(), create_item(), create_item()]
    for item in items:
        handling.assign(item, user=pr, department_id=roads.id, officer_id=kim.id)
    handling.answer_directly(items[2], user=pr, answer="안내드렸습니다.")  # closed: not counted
    page = f"/inbox/officers/{roads.id}"
    assert "의견 2건이 부서 미배정" in client.get(page).get_data(as_text=True)
    response = _post(client, f"{page}/{officer.id}/remove", page)
    assert response.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert "처리 중이던 의견 2건은 부서 미배정 목록으로" in shown
    assert db.session.scalar(db.select(db.func.count(VoiceOfficer.id))) == 0
    for item in items[:2]:
        db.session.refresh(item)
        assert item.officer_id is None and item.department_id == roads.id
        assert item.trail[-1].action is VoiceAction.UNASSIGNED and "김도로" in item.trail[-1].note
    db.session.refresh(items[2])
    assert items[2].officer_id == kim.id


def test_a_head_officer_reads_their_list_and_others_cannot(app, client, sign_in):
    roads, parks = create_department("도로과", "Roads"), create_department("공원녹지과", "Parks")
    head = sign_in(Role.DEPARTMENT, department=roads, email="head@example.kr")
    officer = name_officer(roads, head, head=True)
    page = f"/inbox/officers/{roads.id}"
    assert f'href="{page}"' in client.get("/inbox").get_data(as_text=True)
    assert client.get("/inbox/officers").location == page
    shown = client.get(page).get_data(as_text=True)
    assert head.name in shown and "소통담당 지정" not in shown and "빼기" not in shown
    token = _token(client.get("/inbox").get_data(as_text=True))
    assert client.post(page, data={"csrf_token": token, "user_id": head.id}).status_code == 403
    remove = f"{page}/{officer.id}/remove"
    assert client.post(remove, data={"csrf_token": token}).status_code == 403
    assert client.get(f"/inbox/officers/{parks.id}").status_code == 404

    officer.head = False
    db.session.commit()
    assert client.get(page).status_code == 404  # an officer who is not head does not
    assert client.get("/inbox/officers").status_code == 403


def test_an_officer_who_left_is_not_offered_for_new_items(app, client, sign_in):
    roads = create_department("도로과", "Roads")
    pr = sign_in(Role.PR)
    kim = create_user("kim@example.kr", role=Role.DEPARTMENT, department=roads, name="김도로")
    lee = create_user("lee@example.kr", role=Role.DEPARTMENT, department=roads, name="이퇴직")
    name_officer(roads, kim)
    name_officer(roads, lee)
    lee.active = False
    db.session.commit()
    item = create_item()
    picker = client.get(f"/inbox/{item.id}").get_data(as_text=True)
    assert "김도로 (도로과)" in picker and "이퇴직" not in picker
    with pytest.raises(Invalid):
        handling.assign(item, user=pr, department_id=roads.id, officer_id=lee.id)
    assert "이퇴직 (퇴직·정지)" in client.get(f"/inbox/officers/{roads.id}").get_data(as_text=True)
