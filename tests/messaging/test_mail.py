import base64
import subprocess
from email.header import decode_header, make_header

import dkim
import pytest

from pcrm.messaging.channels import Content
from pcrm.messaging.mail import MailBuilder, encode_words


@pytest.fixture
def dkim_key(app, tmp_path, monkeypatch):
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    monkeypatch.setitem(app.config, "DKIM_SELECTOR", "pcrm2026")
    monkeypatch.setitem(app.config, "DKIM_PRIVATE_KEY_PATH", str(key))
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signs_both_list_unsubscribe_headers(dkim_key):
    rendered = Content(subject="마을버스 설문", text="안녕하세요", html="<p>안녕하세요</p>")
    envelope = MailBuilder(list_id="campaign-1").build(
        message_id=1, token="T" * 24, to="a@example.com", name="홍길동", rendered=rendered,
        unsubscribe_url="https://pcrm.test/u/x/one-click",
    )  # fmt: skip
    signature = envelope.data.split(b"\r\n\r\n")[0].decode()
    header = signature[: signature.index("From:")]
    tags = "".join(header.split())
    assert "h=from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe:" in tags
    assert "list-unsubscribe-post" in tags and "d=pcrm.local" in tags and "s=pcrm2026" in tags

    def dns(name, timeout=5):
        return dkim_key if name == b"pcrm2026._domainkey.pcrm.local." else None

    assert dkim.verify(envelope.data, dnsfunc=dns)


def test_long_korean_subjects_fold_into_short_encoded_words():
    subject = "주민 여러분, 마을버스 노선 개편에 관한 설문에 참여해 주세요 " * 3
    encoded = encode_words(subject)
    assert all(len(line.strip()) <= 75 for line in encoded.split("\r\n"))
    assert str(make_header(decode_header(encoded))) == " ".join(subject.split())
