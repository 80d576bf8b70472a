from tests.factories import create_user


def test_sign_in_and_see_dashboard(client, auth):
    create_user("pr@example.kr")
    response = auth.login("pr@example.kr")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "대시보드" in page
