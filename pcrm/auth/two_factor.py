"""Two-factor sign-in for staff: a time-based code (TOTP, RFC 6238) from an authenticator app.

pyotp computes and checks the codes; segno draws the QR code the app scans, as SVG. A code is
accepted once: the last accepted time step is kept, so a code read over a shoulder or replayed
from a proxy log cannot sign anyone in again within its 30 seconds.
"""

import hmac
import time

import pyotp
import segno
from flask import current_app

from pcrm.auth.models import User

ISSUER = "Seongdong-gu PCRM"
# One step either side: a phone's clock a little off, or a code typed as it changes.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The authenticator app's enrolment QR code as an SVG data URI (an <img> needs no script)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step `code` is valid for (allowing for drift), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(at if at is not None else time.time())
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def accept(user: User, code: str, *, at: float | None = None) -> bool:
    """Check a sign-in code and use it up; the caller commits."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, at=at)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def required_role(user: User) -> bool:
    """Does this person's role have to sign in with a second factor (TWO_FACTOR_REQUIRED_ROLES)?"""
    return user.role.value in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


def required_for(user: User) -> bool:
    """Must this person set up two-factor sign-in before doing anything else?"""
    return required_role(user) and not user.totp_secret
