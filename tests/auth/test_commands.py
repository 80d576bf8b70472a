from pcrm.auth import service
from pcrm.auth.models import Role
from tests.factories import create_department, create_user


def test_create_user_makes_an_account_that_signs_in(runner):
    create_department("교통행정과")
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Bus@Example.kr",
            "--name",
            "버스 담당",
            "--role",
            "department",
            "--department",
            "교통행정과",
            "--password",
            "long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created department account bus@example.kr" in result.output
    user = service.authenticate("bus@example.kr", "long enough password")
    assert user.role is Role.DEPARTMENT and user.department.name_ko == "교통행정과"


def test_create_user_explains_what_is_wrong(runner):
    create_user("pr@example.kr")
    common = ["create-user", "--name", "김", "--password", "long enough password"]
    unknown = runner.invoke(
        args=[*common, "--email", "a@example.kr", "--role", "department", "--department", "없는과"]
    )
    assert unknown.exit_code == 2 and "No department named '없는과'" in unknown.output
    taken = runner.invoke(args=[*common, "--email", "pr@example.kr", "--role", "pr"])
    assert taken.exit_code == 1 and "이미 등록된 이메일입니다" in taken.output
    short = runner.invoke(
        args=[
            "create-user",
            "--name",
            "김",
            "--email",
            "b@example.kr",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert short.exit_code == 1 and "10자" in short.output
