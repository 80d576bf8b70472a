"""Korean first, English available; times shown in Asia/Seoul."""

from datetime import datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale

from pcrm.extensions import babel
from pcrm.labels import label


def select_locale() -> str:
    """The visitor's chosen language; Korean outside requests (commands, jobs) and by default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(row) -> str:
    """A reference row's name in the visitor's language: name_en in English when it has one."""
    if row is None:
        return ""
    locale = get_locale()
    if locale is not None and locale.language == "en" and getattr(row, "name_en", ""):
        return row.name_en
    return row.name_ko


def local_datetime(value: datetime | None, format: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time as the district reads it (Asia/Seoul)."""
    return "" if value is None else format_datetime(value, format)


def organisation_address() -> str:
    """The office's address and phone in the page's language."""
    config = current_app.config
    if get_locale().language == "en" and config.get("ORGANISATION_ADDRESS_EN"):
        return config["ORGANISATION_ADDRESS_EN"]
    return config["ORGANISATION_ADDRESS"]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals["organisation_address"] = organisation_address
    app.jinja_env.filters["local"] = local_datetime
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
