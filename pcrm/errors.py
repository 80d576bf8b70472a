"""One vocabulary of domain errors, mapped to HTTP once; friendly error pages."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A use case refused: the message is shown to the person who asked."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the refusal is about, if one is


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The request contradicts the current state (a double submit, a locked survey)."""

    status_code = 409


class Invalid(DomainError):
    status_code = 422


class SchemaNotMigrated(RuntimeError):
    """The database is behind the code's migrations."""

    pending: tuple[str, ...] = ()  # the revisions it lacks


def _wants_json() -> bool:
    return request.path.startswith(("/healthz", "/api/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return _render(error.status_code, _("요청을 처리할 수 없습니다"), error.message)

    @app.errorhandler(SchemaNotMigrated)
    def not_migrated(error: SchemaNotMigrated):
        app.logger.error("%s", error)  # the operator's words (and command) go in the log
        message = _(
            "이 버전에 맞게 데이터베이스를 갱신해야 합니다(빠진 단계: %(missing)s). 운영 "
            "담당자에게 알려 주세요 (명령: pcrm db upgrade).",
            missing=", ".join(error.pending) or "?",
        )
        return _render(503, _("데이터베이스 준비 안 됨"), message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.response is not None:
            return error
        titles = {
            400: _("잘못된 요청입니다"),
            403: _("접근 권한이 없습니다"),
            404: _("페이지를 찾을 수 없습니다"),
            405: _("허용되지 않은 요청입니다"),
            413: _("파일이 너무 큽니다"),
            410: _("더 이상 쓸 수 없는 주소입니다"),
            429: _("요청이 너무 많습니다. 잠시 후 다시 시도하세요"),
            500: _("일시적인 오류가 생겼습니다"),
            503: _("잠시 서비스를 쓸 수 없습니다"),
        }
        messages = {
            500: _(
                "요청을 처리하다가 서비스에 문제가 생겼습니다. 입력한 내용은 저장되지 않았을 수 "
                "있습니다. 잠시 뒤 다시 시도하고, 계속되면 공보담당관에 알려 주세요."
            ),
            429: _(
                "같은 인터넷 주소에서 짧은 시간에 너무 많은 요청이 왔습니다. "
                "한 집에서 여러 분이 답하고 계시다면 조금 뒤에 이어서 답해 주세요."
            ),
        }
        # Never werkzeug's English name ("Internal Server Error"): every page speaks the
        # visitor's language.
        title = titles.get(error.code, _("요청을 처리할 수 없습니다"))
        return _render(error.code, title, messages.get(error.code, ""))
