from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.projects.models import Project
from tests.factories import create_department, create_project


def test_department_staff_list_only_their_projects(client, sign_in):
    transport, housing = create_department("교통행정과"), create_department("주택과")
    create_project(transport, "성동 마을버스 운영")
    create_project(housing, "공동주택 활성화 정책")
    sign_in(Role.DEPARTMENT, transport)
    page = client.get("/projects/").get_data(as_text=True)
    assert "성동 마을버스 운영" in page
    assert "공동주택 활성화 정책" not in page
    assert 'name="department"' not in page  # no department filter for them
    page = client.get(f"/projects/?department={housing.id}").get_data(as_text=True)
    assert "공동주택 활성화 정책" not in page


def test_another_departments_project_is_a_plain_404(client, sign_in, csrf_token):
    transport, housing = create_department("교통행정과"), create_department("주택과")
    homes = create_project(housing, "공동주택 활성화 정책")
    sign_in(Role.DEPARTMENT, transport)
    for path in (f"/projects/{homes.id}", f"/projects/{homes.id}/edit"):
        response = client.get(path)
        assert response.status_code == 404
        assert "공동주택" not in response.get_data(as_text=True)
    token = csrf_token("/projects/")
    response = client.post(f"/projects/{homes.id}/archive", data={"csrf_token": token})
    assert response.status_code == 404
    assert not db.session.get(Project, homes.id).archived


def test_pr_staff_filter_by_department_and_only_read_other_departments(client, sign_in):
    transport, housing = create_department("교통행정과"), create_department("주택과")
    bus = create_project(transport, "성동 마을버스 운영")
    create_project(housing, "공동주택 활성화 정책")
    sign_in(Role.PR)
    everything = client.get("/projects/").get_data(as_text=True)
    assert "성동 마을버스 운영" in everything and "공동주택 활성화 정책" in everything
    only = client.get(f"/projects/?department={transport.id}").get_data(as_text=True)
    assert "성동 마을버스 운영" in only and "공동주택 활성화 정책" not in only
    page = client.get(f"/projects/{bus.id}").get_data(as_text=True)
    assert "성동 마을버스 운영" in page and f"/projects/{bus.id}/edit" not in page
    assert client.get(f"/projects/{bus.id}/edit").status_code == 403


def test_department_staff_create_edit_and_archive_a_project(client, sign_in, csrf_token):
    transport = create_department("교통행정과")
    create_department("주택과")
    sign_in(Role.DEPARTMENT, transport)
    form_page = client.get("/projects/new").get_data(as_text=True)
    assert "주택과" not in form_page  # only their own department to choose
    form = {
        "csrf_token": csrf_token("/projects/new"),
        "department_id": transport.id,
        "name_ko": "심야 마을버스",
        "name_en": "Night village bus",
        "description": "막차 시간 연장",
    }
    response = client.post("/projects/new", data=form)
    project = db.session.scalar(db.select(Project).where(Project.name_ko == "심야 마을버스"))
    assert response.headers["Location"] == f"/projects/{project.id}"
    assert (
        "사업 “심야 마을버스”을(를) 만들었습니다." in client.get(response.headers["Location"]).text
    )

    form["name_ko"] = "심야 마을버스 운영"
    assert client.post(f"/projects/{project.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id).name_ko == "심야 마을버스 운영"

    archive = {"csrf_token": form["csrf_token"], "archived": "1"}
    client.post(f"/projects/{project.id}/archive", data=archive)
    assert "심야 마을버스 운영" not in client.get("/projects/").text
    assert "보관됨" in client.get("/projects/?archived=y").text


def test_a_duplicate_project_name_is_explained_on_the_form(client, sign_in, csrf_token):
    transport = create_department("교통행정과")
    create_project(transport, "성동 마을버스 운영")
    sign_in(Role.ADMIN)
    form = {
        "csrf_token": csrf_token("/projects/new"),
        "department_id": transport.id,
        "name_ko": "성동 마을버스 운영",
    }
    page = client.post("/projects/new", data=form).text
    assert "이 부서에 같은 이름의 사업이 이미 있습니다" in page


def test_the_project_form_needs_its_csrf_token(client, sign_in):
    transport = create_department("교통행정과")
    sign_in(Role.ADMIN)
    response = client.post("/projects/new", data={"department_id": transport.id, "name_ko": "x"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(Project)) is None


def test_project_dates_are_shown_in_seoul_time(client, sign_in):
    from datetime import UTC, datetime

    transport = create_department("교통행정과")
    bus = create_project(transport)
    bus.created_at = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 1 April, 00:30 in Seoul
    db.session.commit()
    sign_in(Role.ADMIN)
    assert "2026-04-01 00:30" in client.get(f"/projects/{bus.id}").text
