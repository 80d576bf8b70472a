"""Amazon SNS messages, verified: the signature (versions 1 and 2), the certificate's URL on
the SNS host pattern, and the topic one of ours.

The string that is signed is each field's name and value on lines of their own, in the order
AWS documents for the message type ("Verifying the signatures of Amazon SNS messages").
Anyone may create an SNS topic and have AWS sign its messages, so a valid signature alone
proves nothing about the sender: only topics named in SES_SNS_TOPIC_ARNS are taken.
"""

import base64
import binascii
import re
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask_babel import gettext as _

from pcrm.errors import DomainError, Forbidden

# sns.<region>.amazonaws.com (or .com.cn), over https, a .pem file; nothing else is fetched.
SNS_HOST = re.compile(r"^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$")
CONFIRMATION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": CONFIRMATION,
    "UnsubscribeConfirmation": CONFIRMATION,
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CERTIFICATE_BYTES = 64 * 1024


class Unreachable(DomainError):
    """SNS could not be reached to confirm the subscription; SNS will ask again."""

    status_code = 502


class Forged(Forbidden):
    """The message is not a genuine SNS message of one of our topics; the text says why."""


def on_sns_host(url: str, *, suffix: str = "") -> bool:
    """Whether `url` is https on the SNS host pattern (and its path ends in `suffix`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and parts.port is None
        and not parts.username
        and bool(SNS_HOST.match(parts.hostname or ""))
        and parts.path.endswith(suffix)
    )


def string_to_sign(message: dict) -> bytes:
    fields = SIGNED_FIELDS.get(message.get("Type"))
    if fields is None:
        raise Forged(
            _("알 수 없는 SNS 메시지 유형입니다: %(type)s", type=str(message.get("Type"))[:40])
        )
    lines = []
    for name in fields:
        if name == "Subject" and name not in message:
            continue
        value = message.get(name)
        if not isinstance(value, str):
            raise Forged(_("SNS 메시지에 %(name)s 값이 없습니다.", name=name))
        lines.append(f"{name}\n{value}\n")
    return "".join(lines).encode()


def verify(message: dict, *, topics: tuple[str, ...]) -> None:
    """Raise Forged unless `message` is signed by SNS for one of `topics`."""
    if message.get("TopicArn") not in topics:
        raise Forged(_("등록되지 않은 SNS 주제(TopicArn)의 메시지입니다."))
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise Forged(_("지원하지 않는 SNS 서명 버전입니다."))
    url = message.get("SigningCertURL") or message.get("SigningCertUrl") or ""
    if not isinstance(url, str) or not on_sns_host(url, suffix=".pem"):
        raise Forged(_("서명 인증서 주소가 Amazon SNS 주소가 아닙니다."))
    try:
        signature = base64.b64decode(message.get("Signature") or "", validate=True)
    except (binascii.Error, TypeError):
        raise Forged(_("SNS 서명을 읽을 수 없습니다.")) from None
    key = certificate(url).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Forged(_("SNS 서명 인증서의 키가 RSA가 아닙니다."))
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise Forged(_("SNS 서명이 맞지 않습니다.")) from None


_certificates: dict[str, x509.Certificate] = {}
_lock = threading.Lock()


def certificate(url: str) -> x509.Certificate:
    """The signing certificate at `url` (on the SNS host pattern), fetched once per process."""
    with _lock:
        cached = _certificates.get(url)
    if cached is None or cached.not_valid_after_utc < datetime.now(UTC):
        try:
            cached = x509.load_pem_x509_certificate(fetch_certificate(url))
        except httpx.HTTPError:
            # SNS retries what is not answered 2xx: a passing network fault loses nothing.
            raise Unreachable(_("SNS 서명 인증서를 가져올 수 없습니다.")) from None
        except ValueError:
            raise Forged(_("SNS 서명 인증서를 읽을 수 없습니다.")) from None
        with _lock:
            _certificates[url] = cached
    now = datetime.now(UTC)
    if not cached.not_valid_before_utc <= now <= cached.not_valid_after_utc:
        raise Forged(_("SNS 서명 인증서의 유효 기간이 아닙니다."))
    return cached


def fetch_certificate(url: str) -> bytes:
    """GET the PEM file (no redirects: the pinned host must be the one that answers)."""
    if not on_sns_host(url, suffix=".pem"):
        raise Forged(_("서명 인증서 주소가 Amazon SNS 주소가 아닙니다."))
    response = httpx.get(url, timeout=10, follow_redirects=False)
    response.raise_for_status()
    if len(response.content) > MAX_CERTIFICATE_BYTES:
        raise ValueError("certificate too large")
    return response.content


def confirm_subscription(message: dict) -> None:
    """Visit the SubscribeURL of a verified SubscriptionConfirmation (on the SNS host only)."""
    url = message.get("SubscribeURL") or ""
    if not on_sns_host(url):
        raise Forged(_("구독 확인 주소가 Amazon SNS 주소가 아닙니다."))
    try:
        httpx.get(url, timeout=10, follow_redirects=False).raise_for_status()
    except httpx.HTTPError:
        raise Unreachable(_("Amazon SNS 구독 확인 주소에 연결할 수 없습니다.")) from None
