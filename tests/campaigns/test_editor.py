"""The campaign editor: texts to start from, the placeholders with their meaning, and the
e-mail as the sample recipient will read it, rendered by the server as the review renders it."""

import html
import re

from sqlalchemy import func, select

from pcrm.campaigns import mailing
from pcrm.campaigns.models import Campaign
from pcrm.extensions import db
from tests.campaigns.factories import create_campaign, create_segment


def _text_part(page: str) -> str:
    return html.unescape(re.search(r'<pre class="mail-text">(.*?)</pre>', page, re.S).group(1))


def test_the_new_form_offers_starters_and_explains_every_placeholder(client, auth, office):
    auth.login("bus@example.kr")
    page = client.get("/campaigns/new").get_data(as_text=True)
    for title in ("설문 참여 요청", "정보 안내", "설문 다시 알림"):
        assert title in page
    assert "{{ survey_link }}" in page and "설문 주소: 메일에서는 「설문 참여하기」 단추" in page
    assert 'rows="18"' in page
    # The preview beside it: the default text for 홍길동, as residents read it.
    assert _text_part(page).startswith("홍길동님, 안녕하세요.")

    started = client.get("/campaigns/new?start=information").get_data(as_text=True)
    assert 'value="[성동구] 「{{ project }}」 안내"' in html.unescape(started)
    assert re.search(r'<input checked[^>]*value="information"', started)
    preview = _text_part(started)
    assert "「성동 마을버스 운영」에 관해 알려 드립니다." in preview
    assert "■ 문의: 교통행정과" in preview


def _form(csrf_token, path: str, **fields) -> dict:
    return {
        "csrf_token": csrf_token(path),
        "project_id": "",
        "name": "",
        "kind": "information",
        "subject": "{{ project }} 소식",
        "body": "{{ name }}님, 새 노선이 생깁니다.",
        "field_code": "living",
    } | fields


def test_the_preview_follows_the_text_without_saving_anything(client, auth, csrf_token, office):
    auth.login("bus@example.kr")
    form = _form(csrf_token, "/campaigns/new", project_id=str(office["bus"].id))
    fragment = client.post(
        "/campaigns/editor/preview", data=form, headers={"X-Requested-With": "fetch"}
    )
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert "성동 마을버스 운영 소식" in text
    assert _text_part(text).startswith("홍길동님, 새 노선이 생깁니다.")

    broken = client.post(
        "/campaigns/editor/preview",
        data=form | {"body": "{{ nmae }}님"},
        headers={"X-Requested-With": "fetch"},
    ).get_data(as_text=True)
    assert "이 내용으로는 메일을 만들 수 없습니다" in broken
    assert "{{ nmae }}은(는) 없는 자리표시자입니다" in html.unescape(broken)

    # Without script the button posts the whole form and gets the page back, preview filled.
    page = client.post("/campaigns/editor/preview", data=form).get_data(as_text=True)
    assert "<h1>새 캠페인</h1>" in page and 'action="/campaigns/new"' in page
    assert _text_part(page).startswith("홍길동님, 새 노선이 생깁니다.")
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_editor_shows_what_the_review_shows(client, auth, csrf_token, office):
    campaign = create_campaign(office["bus"], segment=create_segment())
    auth.login("bus@example.kr")
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    review = mailing.render_sample(campaign, name=mailing.SAMPLE_NAME)
    assert _text_part(page) == review.text
    assert f'action="/campaigns/{campaign.id}/edit"' in page
    assert f"/campaigns/editor/preview?campaign={campaign.id}" in page


def test_another_departments_campaign_is_not_previewed(client, auth, csrf_token, office):
    theirs = create_campaign(office["festival"], segment=create_segment())
    auth.login("bus@example.kr")
    form = _form(csrf_token, "/campaigns/new", project_id=str(office["festival"].id))
    response = client.post(f"/campaigns/editor/preview?campaign={theirs.id}", data=form)
    assert response.status_code == 404
    fragment = client.post(
        "/campaigns/editor/preview", data=form, headers={"X-Requested-With": "fetch"}
    ).get_data(as_text=True)
    assert "개나리 축제" not in fragment  # their project is not among the choices: ours is used
