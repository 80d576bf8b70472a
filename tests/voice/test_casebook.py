"""The public case book: personal data flagged for the reviewer, published only as a person
rewrote it and confirmed, shown on the public page, taken down again."""

import pytest

from pcrm.auth.models import Role
from pcrm.errors import Conflict, Invalid
from pcrm.voice import casebook, handling
from tests.factories import create_user
from tests.voice.helpers import create_item

TEXT = (
    "김민서님이 010-1234-5678로 연락 주셨고 minseo@example.com 으로도 보내셨습니다. "
    "왕십리로 123 앞, 900101-1234567. 행당동 주민 박영희 어르신."
)


def test_names_numbers_and_addresses_are_flagged_for_the_reviewer():
    found = {(f.what, f.text) for f in casebook.flags(TEXT)}
    assert ("전화번호", "010-1234-5678") in found
    assert ("이메일", "minseo@example.com") in found
    assert ("주민등록번호", "900101-1234567") in found
    assert ("주소", "왕십리로 123") in found
    assert ("이름", "김민서") in found and ("이름", "박영희") in found
    assert casebook.flags("가로등을 고쳐 주셔서 고맙습니다.") == []


def test_a_case_is_published_only_when_done_and_reviewed(app, client):
    pr = create_user(role=Role.PR)
    item = create_item(body=TEXT)
    with pytest.raises(Conflict):  # not answered yet
        casebook.publish(item, user=pr, title="가로등", text="x", reviewed=True)
    handling.answer_directly(item, user=pr, answer="고쳤습니다.")
    with pytest.raises(Invalid):
        casebook.publish(item, user=pr, title="가로등", text="골목 가로등 수리", reviewed=False)
    assert "010-1234-5678" in casebook.draft(item)
    casebook.publish(
        item, user=pr, title="골목 가로등", text="골목 가로등을 고쳤습니다.", reviewed=True
    )

    page = client.get("/cases").get_data(as_text=True)
    assert "골목 가로등을 고쳤습니다." in page and "010-1234-5678" not in page
    assert "김민서" not in page
    casebook.unpublish(item, user=pr)
    assert "골목 가로등을 고쳤습니다." not in client.get("/cases").get_data(as_text=True)


def test_the_reviewer_sees_the_flags_on_the_case_page(app, client, sign_in):
    pr = sign_in(Role.PR)
    item = create_item(body=TEXT)
    handling.answer_directly(item, user=pr, answer="고쳤습니다.")
    page = client.get(f"/inbox/{item.id}/case").get_data(as_text=True)
    assert "전화번호" in page and "010-1234-5678" in page and "주민등록번호" in page
