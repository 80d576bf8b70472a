"""Fixtures: one migrated database and one Redis for the session, emptied between tests.

The database is PostgreSQL when TEST_DATABASE_URL is set (CI), else a SQLite file; Redis is
TEST_REDIS_URL when set, else an embedded redis-server started for the session.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text

from pcrm import ROOT, create_app
from pcrm.embedded import embedded_redis, stop_process
from pcrm.extensions import db

REFERENCE_TABLES = {"interest_field", "business_type", "dong", "alembic_version"}


@pytest.fixture(scope="session")
def session_dir():
    with tempfile.TemporaryDirectory(prefix="pcrm-tests-") as directory:
        yield Path(directory)


@pytest.fixture(scope="session")
def redis_url(session_dir):
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    with embedded_redis(session_dir / "redis") as url:
        yield url


@pytest.fixture(scope="session")
def database_url(session_dir):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{session_dir / 'test.sqlite3'}"


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    from pcrm.config import database_url

    engine = create_engine(database_url(url, Path()))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def test_config(session_dir, database_url, redis_url):
    from pcrm.config import database_url as normalise

    return {
        "TESTING": True,
        "PCRM_ENV": "test",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": normalise(database_url, Path()),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "BASE_URL": "http://pcrm.test",
        "SERVER_NAME": None,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: a test that sends mail starts its own SMTP server
        # Production hashes with scrypt, made slow on purpose; a cheap hash keeps tests fast.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


class RequestClient(FlaskClient):
    """Each request in its own app context, as in production, though the test holds one.

    Otherwise every request of a test shares the test's `g` (Flask reuses a pushed app
    context), and what extensions cache there (the locale, the signed-in user) leaks from one
    request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(session_dir, test_config, database_url):
    """The app, on a database migrated once from empty with the real migrations."""
    os.environ["PCRM_INSTANCE_PATH"] = str(session_dir / "instance")
    if database_url.startswith("postgres"):
        _reset_postgres_schema(database_url)
    app = create_app(test_config)
    app.test_client_class = RequestClient
    with app.app_context():
        upgrade()
    return app


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Each test starts with empty tables (reference data kept) and an empty Redis."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        db.session.remove()
        _empty_tables()
        db.session.remove()
    Redis.from_url(app.config["REDIS_URL"]).flushdb()


@pytest.fixture
def make_app(test_config):
    """Another app on the test services, with some settings changed (an empty database, ...).

    Flask-Limiter keeps one storage for every app, so these apps share the test Redis for it.
    """

    def make(**overrides):
        return create_app(test_config | overrides)

    return make


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "correct horse battery"):
        page = self.client.get("/login")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        page = self.client.get("/")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


def _csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def sign_in(auth):
    """Create a staff member with `role` and sign them in through the form; returns them."""
    from pcrm.auth.models import Role
    from tests.factories import create_user

    def sign_in(role: Role = Role.PR, department=None, email: str | None = None):
        user = create_user(email or f"{role}@example.kr", role=role, department=department)
        response = auth.login(user.email)
        assert response.status_code == 302, "sign-in failed"
        return user

    return sign_in


@pytest.fixture
def csrf_token(client):
    """A CSRF token for this client's session, read from a page like a browser would."""

    def token(path: str = "/login") -> str:
        return _csrf_token(client.get(path).get_data(as_text=True))

    return token


class CaughtMail(list):
    """Envelopes a real SMTP server (aiosmtpd) accepted, in arrival order."""

    async def handle_DATA(self, server, session, envelope):
        self.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app sends to it for this test."""
    from aiosmtpd.controller import Controller

    from pcrm.embedded import free_port

    caught = CaughtMail()
    controller = Controller(caught, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", controller.port
    try:
        yield caught
    finally:
        controller.stop()
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved


@pytest.fixture
def pcrm_env(test_config, session_dir):
    """The environment for a `pcrm` subprocess on the test database and Redis."""
    return dict(os.environ) | {
        "PCRM_ENV": "test",
        "DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": test_config["REDIS_URL"],
        "PCRM_INSTANCE_PATH": str(session_dir / "instance"),
    }


@pytest.fixture
def start_worker(pcrm_env):
    """Start real `pcrm worker` processes; any still running are stopped after the test."""
    processes: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "pcrm", "worker", *args]
        process = subprocess.Popen(
            command, env=pcrm_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop_process(process, 20)
        # A worker killed after its stop timed out leaves its scheduler process behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
