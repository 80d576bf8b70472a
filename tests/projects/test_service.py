import pytest

from pcrm.auth.models import Role
from pcrm.errors import Conflict, Forbidden, NotFound
from pcrm.projects import service
from tests.factories import create_department, create_project, create_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def office():
    """Two departments with a project each, their staff, PR staff and an admin."""
    transport, housing = create_department("교통행정과"), create_department("주택과")
    pr_office = create_department("공보담당관")
    return {
        "transport": transport,
        "housing": housing,
        "bus": create_project(transport, "성동 마을버스 운영"),
        "homes": create_project(housing, "공동주택 활성화 정책"),
        "bus_staff": create_user("bus@example.kr", Role.DEPARTMENT, transport),
        "pr": create_user("pr@example.kr", Role.PR, pr_office),
        "admin": create_user("admin@example.kr", Role.ADMIN),
    }


def test_department_staff_see_only_their_department(office):
    assert service.list_projects(office["bus_staff"]) == [office["bus"]]
    assert service.project_for(office["bus_staff"], office["bus"].id) == office["bus"]
    with pytest.raises(NotFound):
        service.project_for(office["bus_staff"], office["homes"].id)
    with pytest.raises(NotFound):
        service.project_for(office["bus_staff"], 9999)


def test_department_staff_cannot_filter_their_way_into_another_department(office):
    staff, housing = office["bus_staff"], office["housing"]
    assert service.list_projects(staff, department_id=housing.id) == []


def test_pr_staff_and_admins_see_every_project_and_filter_by_department(office):
    for who in ("pr", "admin"):
        assert len(service.list_projects(office[who])) == 2
        only = service.list_projects(office[who], department_id=office["housing"].id)
        assert only == [office["homes"]]


def test_department_staff_create_projects_in_their_department_only(office):
    staff = office["bus_staff"]
    project = service.create_project(
        user=staff, department_id=office["transport"].id, name_ko=" 심야 버스 "
    )
    assert project.name_ko == "심야 버스"
    with pytest.raises(NotFound):
        service.create_project(user=staff, department_id=office["housing"].id, name_ko="몰래")


def test_pr_staff_see_other_departments_projects_but_cannot_change_them(office):
    with pytest.raises(Forbidden):
        service.editable_project(office["pr"], office["bus"].id)
    with pytest.raises(Forbidden):
        service.set_archived(user=office["pr"], project=office["bus"], archived=True)
    assert not office["bus"].archived


def test_admins_change_any_project_and_move_it(office):
    project = service.update_project(
        user=office["admin"],
        project=office["bus"],
        department_id=office["housing"].id,
        name_ko="마을버스",
        name_en="Village bus",
        description="노선 개편",
    )
    assert project.department == office["housing"]
    assert project.description == "노선 개편"


def test_department_staff_cannot_move_a_project_away(office):
    with pytest.raises(NotFound):
        service.update_project(
            user=office["bus_staff"],
            project=office["bus"],
            department_id=office["housing"].id,
            name_ko="성동 마을버스 운영",
        )
    assert office["bus"].department == office["transport"]


def test_project_names_are_unique_within_a_department(office):
    admin = office["admin"]
    with pytest.raises(Conflict):
        service.create_project(
            user=admin, department_id=office["transport"].id, name_ko="성동 마을버스 운영"
        )
    service.create_project(
        user=admin, department_id=office["housing"].id, name_ko="성동 마을버스 운영"
    )


def test_archived_projects_are_listed_only_on_request(office):
    staff = office["bus_staff"]
    service.set_archived(user=staff, project=office["bus"], archived=True)
    assert service.list_projects(staff) == []
    assert service.list_projects(staff, include_archived=True) == [office["bus"]]
    service.set_archived(user=staff, project=office["bus"], archived=False)
    assert service.list_projects(staff) == [office["bus"]]


def test_projects_visible_to_is_a_query_other_domains_can_narrow(office):
    from pcrm.extensions import db
    from pcrm.projects.models import Project

    query = service.projects_visible_to(office["bus_staff"]).where(Project.archived.is_(False))
    assert list(db.session.scalars(query)) == [office["bus"]]
