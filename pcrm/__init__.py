"""PCRM: a district office asks its residents what they think, and hears back."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from pcrm import config, errors, extensions, inputs, logs, security

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PCRM_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    app.config.from_mapping(overrides or {})
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    errors.register(app)
    register_commands(app)
    return app


def register_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from them."""
    hops = app.config.get("PROXY_COUNT", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from pcrm import i18n, models  # noqa: F401  (every model registered before mappers configure)
    from pcrm.auth import access
    from pcrm.main import menu

    inputs.init_app(app)  # the URL converters, before any blueprint adds a route
    logs.init_app(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.queues.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    menu.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from pcrm.admin.views import bp as admin
    from pcrm.auth.views import bp as auth
    from pcrm.bounces.mail_views import bp as returned_mail
    from pcrm.bounces.views import bp as bounces
    from pcrm.bounces.webhooks import bp as webhooks
    from pcrm.campaigns.editor_views import bp as campaign_editor
    from pcrm.campaigns.views import bp as campaigns
    from pcrm.health.views import bp as health
    from pcrm.main.views import bp as main
    from pcrm.outbox.views import bp as outbox
    from pcrm.projects.views import bp as projects
    from pcrm.replies.views import bp as replies
    from pcrm.reports.views import bp as reports
    from pcrm.subscribers.views import bp as subscribers
    from pcrm.surveys.views import bp as surveys
    from pcrm.tracking.views import bp as tracking
    from pcrm.voice.views import bp as voice

    for blueprint in (
        auth,
        main,
        health,
        admin,
        projects,
        subscribers,
        surveys,
        campaigns,
        campaign_editor,
        replies,
        reports,
        tracking,
        bounces,
        webhooks,
        returned_mail,
        voice,
    ):
        app.register_blueprint(blueprint)
    if app.config["LOCAL_MODE"]:
        app.register_blueprint(outbox)


def register_commands(app: Flask) -> None:
    from pcrm import commands

    commands.register(app)
