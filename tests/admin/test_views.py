import pytest

from pcrm.auth import service
from pcrm.auth.models import Role, User
from pcrm.extensions import db
from tests.factories import PASSWORD, create_department, create_user

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/new"]


@pytest.mark.parametrize("role", [Role.PR, Role.DEPARTMENT])
def test_admin_pages_are_forbidden_to_other_staff(client, sign_in, csrf_token, role):
    me = sign_in(role)
    department = create_department("주택과")
    pages = [*ADMIN_PAGES, f"/admin/users/{me.id}", f"/admin/departments/{department.id}"]
    for path in pages:
        assert client.get(path).status_code == 403, path
    token = csrf_token("/")
    response = client.post(f"/admin/users/{me.id}", data={"csrf_token": token, "role": "admin"})
    assert response.status_code == 403
    assert db.session.get(User, me.id).role is role


def test_the_menu_shows_administration_to_admins_only(client, sign_in, auth):
    sign_in(Role.PR)
    assert "/admin/users" not in client.get("/").get_data(as_text=True)
    auth.logout()
    sign_in(Role.ADMIN)
    assert "/admin/users" in client.get("/").get_data(as_text=True)


def test_account_form_errors_are_shown_on_the_form(client, sign_in, csrf_token):
    sign_in(Role.ADMIN)
    form = {
        "csrf_token": csrf_token("/admin/users/new"),
        "email": "not an address",
        "name": "",
        "role": "department",
        "department": 0,
        "password": "short",
    }
    page = client.post("/admin/users/new", data=form).get_data(as_text=True)
    assert "입력 내용을 확인해 주세요" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(db.select(User).where(User.email == "not an address")) is None

    form |= {"email": "d@example.kr", "name": "부서", "password": "long enough password"}
    page = client.post("/admin/users/new", data=form).get_data(as_text=True)
    assert "부서 담당자는 소속 부서가 있어야 합니다." in page


def test_an_admin_edits_an_account_and_resets_its_password(client, sign_in, csrf_token, auth):
    sign_in(Role.ADMIN)
    housing = create_department("주택과")
    user = create_user("pr2@example.kr", role=Role.PR)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "pr2@example.kr" in page
    form = {
        "csrf_token": csrf_token(f"/admin/users/{user.id}"),
        "name": "주택 담당",
        "role": "department",
        "department": housing.id,
        "active": "y",
        "password": "a fresh password 2",
    }
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.role, user.department) == ("주택 담당", Role.DEPARTMENT, housing)
    assert service.authenticate("pr2@example.kr", PASSWORD) is None
    assert service.authenticate("pr2@example.kr", "a fresh password 2") is not None


def test_an_admin_deactivates_an_account(client, sign_in, csrf_token, auth):
    sign_in(Role.ADMIN)
    user = create_user("pr2@example.kr", role=Role.PR, name="떠난 직원")
    form = {"csrf_token": csrf_token("/"), "name": "떠난 직원", "role": "pr", "department": 0}
    client.post(f"/admin/users/{user.id}", data=form)  # no "active": the box is unticked
    assert "중지됨" in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    assert auth.login("pr2@example.kr").status_code == 200


def test_an_admin_cannot_demote_themselves(client, sign_in, csrf_token):
    me = sign_in(Role.ADMIN)
    form = {"csrf_token": csrf_token("/"), "name": me.name, "role": "pr", "department": 0}
    form["active"] = "y"
    page = client.post(f"/admin/users/{me.id}", data=form).get_data(as_text=True)
    assert "자신의 관리자 권한을 없애거나" in page
    db.session.expire_all()
    assert db.session.get(User, me.id).role is Role.ADMIN


def test_an_admin_creates_and_renames_departments(client, sign_in, csrf_token):
    sign_in(Role.ADMIN)
    token = csrf_token("/admin/departments/new")
    form = {"csrf_token": token, "name_ko": "주택과", "name_en": "Housing"}
    assert client.post("/admin/departments/new", data=form).status_code == 302
    page = client.get("/admin/departments").get_data(as_text=True)
    assert "주택과 부서를 만들었습니다." in page and "Housing" in page

    again = client.post("/admin/departments/new", data=form).get_data(as_text=True)
    assert "이미 있는 부서입니다: 주택과" in again

    department = service.departments()[0]
    form["name_ko"] = "주택정책과"
    assert client.post(f"/admin/departments/{department.id}", data=form).status_code == 302
    assert "주택정책과" in client.get("/admin/departments").get_data(as_text=True)


def test_unknown_accounts_and_departments_are_404(client, sign_in):
    sign_in(Role.ADMIN)
    assert client.get("/admin/users/999").status_code == 404
    assert client.get("/admin/departments/999").status_code == 404
