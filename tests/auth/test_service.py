import pytest

from pcrm.auth import service
from pcrm.auth.models import Role
from pcrm.errors import Conflict, Invalid
from tests.factories import PASSWORD, create_department, create_user

pytestmark = pytest.mark.usefixtures("app")


def test_passwords_are_stored_hashed():
    user = create_user("pr@example.kr")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_authenticate_records_the_sign_in_time():
    create_user("pr@example.kr")
    user = service.authenticate("pr@example.kr", PASSWORD)
    assert user is not None and user.last_login_at is not None
    assert service.authenticate("pr@example.kr", "wrong") is None
    assert service.authenticate("nobody@example.kr", PASSWORD) is None


def test_an_e_mail_is_one_account_whatever_its_case():
    create_user("pr@example.kr")
    with pytest.raises(Conflict):
        create_user("PR@Example.kr")


def test_department_staff_need_a_department():
    with pytest.raises(Invalid):
        service.create_user(
            email="d@example.kr", name="부서", password=PASSWORD, role=Role.DEPARTMENT
        )


def test_short_passwords_are_refused():
    with pytest.raises(Invalid, match="10자"):
        create_user("pr@example.kr", password="short")


def test_update_user_changes_the_password_only_when_given():
    user = create_user("pr@example.kr")
    fields = {"name": "새 이름", "role": Role.PR, "department": None, "active": True}
    service.update_user(user, **fields)
    assert service.authenticate("pr@example.kr", PASSWORD) is not None
    service.update_user(user, **fields, password="a brand new password")
    assert service.authenticate("pr@example.kr", PASSWORD) is None
    assert service.authenticate("pr@example.kr", "a brand new password") is not None
    assert user.name == "새 이름"


def test_an_admin_cannot_lock_themselves_out():
    admin = create_user("admin@example.kr", role=Role.ADMIN)
    fields = {"name": "관리자", "department": None}
    with pytest.raises(Invalid):
        service.update_user(admin, **fields, role=Role.PR, active=True, actor=admin)
    with pytest.raises(Invalid):
        service.update_user(admin, **fields, role=Role.ADMIN, active=False, actor=admin)
    other = create_user("other@example.kr", role=Role.ADMIN)
    service.update_user(other, **fields, role=Role.PR, active=False, actor=admin)
    assert other.role is Role.PR and not other.active


def test_department_names_are_unique_also_when_renaming():
    create_department("교통행정과")
    housing = create_department("주택과")
    with pytest.raises(Conflict):
        create_department("교통행정과")
    with pytest.raises(Conflict):
        service.update_department(housing, name_ko="교통행정과", name_en="")
    service.update_department(housing, name_ko="주택과", name_en="Housing")
    assert housing.name_en == "Housing"


def test_staff_counts_per_department():
    transport = create_department("교통행정과")
    create_user("a@example.kr", role=Role.DEPARTMENT, department=transport)
    create_user("b@example.kr", role=Role.DEPARTMENT, department=transport)
    create_user("pr@example.kr")
    assert service.staff_counts() == {transport.id: 2}
