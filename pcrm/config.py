"""Configuration: embedded defaults for one machine, the environment for production.

`PCRM_ENV` selects the mode: `local` (the default: `pcrm up`, a developer's shell), `test`, or
`production` (`wsgi.py` defaults to it). Production refuses to start without its secrets and
services, naming what is missing, rather than falling back to the embedded parts.
"""

import os
import secrets
from datetime import time, timedelta
from pathlib import Path

MODES = ("local", "test", "production")
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_DEFAULT_SENDER",
)


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to set."""


def _words(value: str) -> frozenset[str]:
    """A comma-separated setting ("admin, pr") as a set of its words."""
    return frozenset(word.strip().lower() for word in value.split(",") if word.strip())


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def local_secret_key(instance_path: Path) -> str:
    """A key kept in the instance folder, so local sessions survive a restart."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: Path, environ=os.environ) -> dict:
    """Build the Flask config mapping from the environment for the selected mode."""
    mode = environ.get("PCRM_ENV", "local")
    if mode not in MODES:
        raise ConfigError(f"PCRM_ENV must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "production":
        missing = [name for name in REQUIRED_IN_PRODUCTION if not environ.get(name)]
        if missing:
            raise ConfigError(
                "Production mode (PCRM_ENV=production) needs these environment variables: "
                + ", ".join(missing)
                + ". See docs/deployment.md."
            )
    port = environ.get("PCRM_PORT", "5000")
    return {
        "PCRM_ENV": mode,
        "LOCAL_MODE": mode != "production",
        "SECRET_KEY": environ.get("SECRET_KEY") or local_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": environ.get("REDIS_URL") or None,
        "BASE_URL": (environ.get("BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        "MAIL_SERVER": environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(environ, "MAIL_PORT", 8025),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(environ.get("MAIL_USE_SSL")),
        "MAIL_TIMEOUT": _int(environ, "MAIL_TIMEOUT", 30),
        "MAIL_DEFAULT_SENDER": environ.get("MAIL_DEFAULT_SENDER", "성동구청 <survey@pcrm.local>"),
        "MAIL_DOMAIN": environ.get("MAIL_DOMAIN", "pcrm.local"),
        "MAIL_SEND_RATE": _int(environ, "MAIL_SEND_RATE", 0),
        "MAIL_MAX_ATTEMPTS": _int(environ, "MAIL_MAX_ATTEMPTS", 6),
        "ORGANISATION_ADDRESS": environ.get(
            "ORGANISATION_ADDRESS", "서울특별시 성동구 고산자로 270 성동구청 (02-2286-5114)"
        ),
        # The same for pages read in English (messages keep the Korean one: they go to residents).
        "ORGANISATION_ADDRESS_EN": environ.get(
            "ORGANISATION_ADDRESS_EN",
            "Seongdong-gu Office, 270 Gosanja-ro, Seongdong-gu, Seoul (+82-2-2286-5114)",
        ),
        # The district's own site, linked from every public page (residents' way back home).
        "DISTRICT_SITE_URL": environ.get("DISTRICT_SITE_URL", "https://www.sd.go.kr/"),
        **campaign_settings(environ),
        **sens_settings(environ),
        "DKIM_SELECTOR": environ.get("DKIM_SELECTOR") or None,
        "DKIM_PRIVATE_KEY_PATH": environ.get("DKIM_PRIVATE_KEY_PATH") or None,
        "SMS_PROVIDER": environ.get("SMS_PROVIDER", "outbox" if mode != "production" else ""),
        **sms_settings(environ),
        **bounce_settings(environ),
        **bounce_intake_settings(environ),
        **voice_settings(environ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(environ.get("SESSION_COOKIE_SECURE"), mode == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag(environ.get("SESSION_COOKIE_SECURE"), mode == "production"),
        # Also how long a sign-in lasts at most: older sessions are refused and deleted.
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(environ, "SESSION_MAX_DAYS", 14)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # Browsers keep to https for this long once they have seen the site over it.
        "HSTS_MAX_AGE": _int(
            environ, "HSTS_MAX_AGE", 365 * 24 * 3600 if mode == "production" else 0
        ),
        "PASSWORD_HASH_METHOD": "scrypt",  # werkzeug's; the tests use a cheap one for speed
        # Failed sign-ins: per account from one address, and per address over all accounts.
        # Never per account alone, or anyone could lock a colleague out by guessing.
        "LOGIN_RATE_LIMIT": environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes"),
        # Roles that must sign in with a second factor (a code from an authenticator app).
        "TWO_FACTOR_REQUIRED_ROLES": _words(environ.get("TWO_FACTOR_REQUIRED_ROLES", "")),
        "LOGIN_ADDRESS_RATE_LIMIT": environ.get("LOGIN_ADDRESS_RATE_LIMIT", "50 per 15 minutes"),
        # Unknown SMS short-link codes (/r/) one address may try: guessing is then hopeless
        # (pcrm.messaging.shortlinks); people following real links are never counted.
        "SHORT_LINK_RATE_LIMIT": environ.get("SHORT_LINK_RATE_LIMIT", "20 per hour;100 per day"),
        # Reverse proxies in front that set X-Forwarded-For/-Proto/-Host: without trusting
        # them, every visitor has the proxy's address and shares one login rate limit.
        "PROXY_COUNT": _int(environ, "PROXY_COUNT", 1 if mode == "production" else 0),
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ("ko", "en"),
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_UPLOAD_BYTES", 32 * 1024 * 1024),
        "BOUNCE_MAX_BYTES": _int(environ, "BOUNCE_MAX_BYTES", 5 * 1024 * 1024),
        # An import's table, checked by the import job before anything is written.
        "IMPORT_MAX_ROWS": _int(environ, "IMPORT_MAX_ROWS", 200_000),
        "IMPORT_MAX_COLUMNS": _int(environ, "IMPORT_MAX_COLUMNS", 100),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _due_days(text: str) -> dict[str, int]:
    """Days to answer ("7" or "7,phone=3,sms_reply=3"), by default and per channel."""
    days = {}
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _sep, value = part.rpartition("=")
            days[name.strip() or "default"] = int(value)
    except ValueError:
        raise ConfigError(f"VOICE_DUE_DAYS must be days like 7,phone=3, not {text!r}") from None
    return {"default": 7} | days


def _api_keys(text: str) -> dict[str, str]:
    """ "kakao-bot:KEY,civic-app:KEY": the Open311 clients and their keys."""
    keys = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _sep, key = part.partition(":")
        if not key or len(key) < 16:
            raise ConfigError("VOICE_API_KEYS must be name:key pairs, each key 16+ characters")
        keys[name] = key
    return keys


def voice_settings(environ) -> dict:
    """Residents' voice: days to answer, the public form's limits."""
    return {
        "VOICE_DUE_DAYS": _due_days(environ.get("VOICE_DUE_DAYS", "7")),
        "VOICE_DUE_SOON_DAYS": _int(environ, "VOICE_DUE_SOON_DAYS", 2),
        "VOICE_FORM_RATE_LIMIT": environ.get("VOICE_FORM_RATE_LIMIT", "10 per hour"),
        "VOICE_MAX_CHARS": _int(environ, "VOICE_MAX_CHARS", 4000),
        "VOICE_CONTACT_RETENTION_DAYS": _int(environ, "VOICE_CONTACT_RETENTION_DAYS", 365),
        "VOICE_API_KEYS": _api_keys(environ.get("VOICE_API_KEYS", "")),
        "VOICE_API_RATE_LIMIT": environ.get("VOICE_API_RATE_LIMIT", "120 per minute"),
    }


def bounce_settings(environ) -> dict:
    """What bounces do (pcrm.bounces.policy) and how long their raw evidence is kept."""
    return {
        "BOUNCE_SOFT_LIMIT": _int(environ, "BOUNCE_SOFT_LIMIT", 3),
        "BOUNCE_SOFT_WINDOW_DAYS": _int(environ, "BOUNCE_SOFT_WINDOW_DAYS", 30),
        "BOUNCE_RAW_RETENTION_DAYS": _int(environ, "BOUNCE_RAW_RETENTION_DAYS", 90),
    }


def campaign_settings(environ) -> dict:
    """How campaigns are sent: batch size, retries, when a claim or a launch is too old."""
    timeout = _int(environ, "MAIL_TIMEOUT", 30)
    intervals = environ.get("CAMPAIGN_RETRY_INTERVALS", "10,30,60,120,300")
    try:
        retry = tuple(int(part) for part in intervals.split(",") if part.strip())
    except ValueError:
        message = f"CAMPAIGN_RETRY_INTERVALS must be seconds like 10,30,60, not {intervals!r}"
        raise ConfigError(message) from None
    return {
        # Four eyes: whoever asked for a campaign's review may not also approve it.
        "CAMPAIGN_REQUESTER_MAY_APPROVE": _flag(
            environ.get("CAMPAIGN_REQUESTER_MAY_APPROVE"), default=True
        ),
        "CAMPAIGN_BATCH_SIZE": _int(environ, "CAMPAIGN_BATCH_SIZE", 2000),
        "CAMPAIGN_BATCH_TIMEOUT": _int(environ, "CAMPAIGN_BATCH_TIMEOUT", 900),
        "CAMPAIGN_RETRY_INTERVALS": retry,
        # A batch renews its claim every 2 s; one silent for this long has died. It must exceed
        # MAIL_TIMEOUT, or a batch waiting on a slow relay would be taken for dead.
        "CAMPAIGN_STALE_AFTER": _int(environ, "CAMPAIGN_STALE_AFTER", max(120, 3 * timeout)),
        "CAMPAIGN_LATE_AFTER_MINUTES": _int(environ, "CAMPAIGN_LATE_AFTER_MINUTES", 60),
        # Reminder waves to those who have not answered: at most this many, this far apart.
        "CAMPAIGN_MAX_REMINDERS": _int(environ, "CAMPAIGN_MAX_REMINDERS", 3),
        "CAMPAIGN_REMINDER_GAP_HOURS": _int(environ, "CAMPAIGN_REMINDER_GAP_HOURS", 24),
        # When the relay refuses everyone or cannot be reached: wait this long, doubling up to
        # the cap (seconds); the reconciler queues the batches again once the wait is over.
        "CAMPAIGN_RELAY_BACKOFF": _int(environ, "CAMPAIGN_RELAY_BACKOFF", 60),
        "CAMPAIGN_RELAY_BACKOFF_MAX": _int(environ, "CAMPAIGN_RELAY_BACKOFF_MAX", 1800),
        "MACHINE_OPEN_SECONDS": _int(environ, "MACHINE_OPEN_SECONDS", 10),
    }


def sms_settings(environ) -> dict:
    """SMS prices per type (won, for the cost estimate) and the quiet hours in Asia/Seoul."""
    settings = {
        "SMS_PRICE_SMS": _int(environ, "SMS_PRICE_SMS", 9),
        "SMS_PRICE_LMS": _int(environ, "SMS_PRICE_LMS", 30),
        "SMS_QUIET_START": environ.get("SMS_QUIET_START") or "21:00",
        "SMS_QUIET_END": environ.get("SMS_QUIET_END") or "08:00",
        # The free 080 opt-out line every campaign SMS ends with, e.g. "무료수신거부 080-000-0000"
        # (the message's own opt-out short link is always there as well).
        "SMS_OPT_OUT_LINE": environ.get("SMS_OPT_OUT_LINE", ""),
        # Reminder e-mails keep the SMS quiet hours too, unless set to 0 (the first e-mail of a
        # campaign goes when staff scheduled it).
        "REMINDER_EMAIL_QUIET_HOURS": environ.get("REMINDER_EMAIL_QUIET_HOURS", "1") != "0",
        # A text the carrier could not deliver for now (phone off, no signal) is sent again at
        # most this many times, waiting the backoff (seconds) doubled each time up to the cap.
        "SMS_RESULT_RETRIES": _int(environ, "SMS_RESULT_RETRIES", 2),
        "SMS_RESULT_BACKOFF": _int(environ, "SMS_RESULT_BACKOFF", 1800),
        "SMS_RESULT_BACKOFF_MAX": _int(environ, "SMS_RESULT_BACKOFF_MAX", 6 * 3600),
        # Results are asked for this long after sending; later the text stays "sent".
        "SMS_RESULT_POLL_DAYS": _int(environ, "SMS_RESULT_POLL_DAYS", 3),
        # The shared secret the delivery-result and reply callbacks must present (unset: off).
        "SMS_CALLBACK_SECRET": environ.get("SMS_CALLBACK_SECRET") or None,
    }
    for name in ("SMS_QUIET_START", "SMS_QUIET_END"):
        try:
            clock = time.fromisoformat(settings[name])  # what QuietHours.from_config reads
        except ValueError:
            clock = None
        if clock is None or clock.tzinfo is not None:  # the window is in Asia/Seoul
            raise ConfigError(f"{name} must be a time like 21:00, not {settings[name]!r}")
    return settings


def sens_settings(environ) -> dict:
    """The Naver Cloud SENS account (SMS_PROVIDER=sens); the public-sector edition by base URL."""
    return {
        "SENS_ACCESS_KEY": environ.get("SENS_ACCESS_KEY") or None,
        "SENS_SECRET_KEY": environ.get("SENS_SECRET_KEY") or None,
        "SENS_SERVICE_ID": environ.get("SENS_SERVICE_ID") or None,
        "SENS_FROM": environ.get("SENS_FROM") or None,
        "SENS_BASE_URL": environ.get("SENS_BASE_URL", "https://sens.apigw.ntruss.com"),
        "SENS_TIMEOUT": _int(environ, "SENS_TIMEOUT", 10),
        "SENS_CONNECT_TIMEOUT": _int(environ, "SENS_CONNECT_TIMEOUT", 5),
        "SENS_MAX_ATTEMPTS": _int(environ, "SENS_MAX_ATTEMPTS", 4),
        "SENS_BACKOFF": _int(environ, "SENS_BACKOFF", 1),
    }


def bounce_intake_settings(environ) -> dict:
    """Where returned mail comes in: the IMAP bounce mailbox (off while its host is unset), the
    SES topics whose SNS notifications are taken, and the signed JSON webhook's secret."""
    tls = (environ.get("BOUNCE_IMAP_TLS") or "ssl").strip().lower()
    if tls not in ("ssl", "starttls", "none"):
        raise ConfigError(f"BOUNCE_IMAP_TLS must be ssl, starttls or none, not {tls!r}")
    topics = environ.get("SES_SNS_TOPIC_ARNS", "")
    return {
        "BOUNCE_IMAP_HOST": environ.get("BOUNCE_IMAP_HOST") or None,
        "BOUNCE_IMAP_PORT": _int(environ, "BOUNCE_IMAP_PORT", 993 if tls == "ssl" else 143),
        "BOUNCE_IMAP_TLS": tls,
        "BOUNCE_IMAP_CA_FILE": environ.get("BOUNCE_IMAP_CA_FILE") or None,
        "BOUNCE_IMAP_USER": environ.get("BOUNCE_IMAP_USER") or None,
        "BOUNCE_IMAP_PASSWORD": environ.get("BOUNCE_IMAP_PASSWORD") or None,
        "BOUNCE_IMAP_FOLDER": environ.get("BOUNCE_IMAP_FOLDER") or "INBOX",
        "BOUNCE_IMAP_PROCESSED_FOLDER": environ.get("BOUNCE_IMAP_PROCESSED_FOLDER") or "Processed",
        "BOUNCE_IMAP_REVIEW_FOLDER": environ.get("BOUNCE_IMAP_REVIEW_FOLDER") or "Needs-person",
        "BOUNCE_IMAP_BATCH": _int(environ, "BOUNCE_IMAP_BATCH", 500),
        "SES_SNS_TOPIC_ARNS": tuple(arn.strip() for arn in topics.split(",") if arn.strip()),
        "BOUNCE_WEBHOOK_SECRET": environ.get("BOUNCE_WEBHOOK_SECRET") or None,
        "BOUNCE_WEBHOOK_MAX_BYTES": _int(environ, "BOUNCE_WEBHOOK_MAX_BYTES", 256 * 1024),
    }


def database_url(url: str | None, instance_path: Path) -> str:
    """Normalise DATABASE_URL; the embedded default is a SQLite file in the instance folder."""
    if not url:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / 'pcrm.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url
