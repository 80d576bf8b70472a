"""The SMTP connection of a batch, and what an SMTP failure means for a message.

Flask-Mail's connection opens without a timeout (a dead relay would block a job until RQ kills
it) and reads its settings once at start-up; this one reads MAIL_* when it opens and times out
after MAIL_TIMEOUT seconds.
"""

import smtplib
from dataclasses import dataclass

from flask import current_app
from flask_mail import Connection, Mail


class TimedConnection(Connection):
    def configure_host(self) -> smtplib.SMTP:
        state, timeout = self.mail, current_app.config["MAIL_TIMEOUT"]
        local = current_app.config["MAIL_DOMAIN"]
        if state.use_ssl:
            host = smtplib.SMTP_SSL(state.server, state.port, local, timeout=timeout)
        else:
            host = smtplib.SMTP(state.server, state.port, local, timeout=timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()  # the server went away: nothing left to say goodbye to


def smtp_connection() -> TimedConnection:
    """A Flask-Mail connection to the configured relay, opened on `with`."""
    return TimedConnection(Mail().init_mail(current_app.config))


@dataclass(frozen=True)
class Refusal:
    """The server refused one message: permanent (5xx) or worth another try later (4xx)."""

    code: int
    reason: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500


class ConnectionLost(Exception):
    """The relay is unreachable or closed on us: nothing in this batch can go now."""


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def send_one(host: smtplib.SMTP, mail_from: str, to: str, data: bytes) -> Refusal | None:
    """Send one message over an open connection; a Refusal for this message, or None if
    accepted. A lost connection or a refusal of the whole session raises ConnectionLost."""
    try:
        host.sendmail(mail_from, [to], data)
    except smtplib.SMTPRecipientsRefused as error:
        code, reason = next(iter(error.recipients.values()))
        return _refusal(code, reason)
    except smtplib.SMTPDataError as error:
        return _refusal(error.smtp_code, error.smtp_error)
    except smtplib.SMTPSenderRefused as error:
        # Our envelope sender refused: no recipient's fault, so no bounce; retry later.
        raise ConnectionLost(f"{error.smtp_code} {_text(error.smtp_error)}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise ConnectionLost(f"{type(error).__name__}: {error}") from error
    return None


def _refusal(code: int, reason) -> Refusal:
    if code == 421:  # "service not available, closing": the session is over, not the message
        raise ConnectionLost(f"421 {_text(reason)}")
    return Refusal(code=code, reason=_text(reason))
