"""The factory, the configuration, and what a newcomer sees when setup is incomplete."""

import os
import re
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory

from pcrm import ROOT, create_app
from pcrm.config import REQUIRED_IN_PRODUCTION, ConfigError, database_url, from_environment
from pcrm.errors import SchemaNotMigrated


def test_production_mode_names_every_missing_variable(tmp_path):
    with pytest.raises(ConfigError) as error:
        from_environment(tmp_path, {"PCRM_ENV": "production", "SECRET_KEY": "s"})
    message = str(error.value)
    for name in REQUIRED_IN_PRODUCTION:
        assert (name in message) == (name != "SECRET_KEY"), name


def test_an_unknown_mode_and_a_malformed_number_are_named(tmp_path):
    with pytest.raises(ConfigError, match="PCRM_ENV"):
        from_environment(tmp_path, {"PCRM_ENV": "staging"})
    with pytest.raises(ConfigError, match="MAIL_PORT"):
        from_environment(tmp_path, {"MAIL_PORT": "twenty-five"})


def test_local_mode_runs_on_embedded_defaults_with_a_kept_secret(tmp_path):
    config = from_environment(tmp_path, {})
    assert config["LOCAL_MODE"] and config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SECRET_KEY"] == from_environment(tmp_path, {})["SECRET_KEY"]
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Seoul"
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not config["SESSION_COOKIE_SECURE"]
    assert from_environment(tmp_path, {"SESSION_COOKIE_SECURE": "1"})["SESSION_COOKIE_SECURE"]


def test_database_urls_are_normalised_for_psycopg(tmp_path):
    assert database_url("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:////tmp/x.db", tmp_path) == "sqlite:////tmp/x.db"


def test_production_app_has_no_outboxes_and_secure_cookies(monkeypatch, test_config):
    production = {
        "PCRM_ENV": "production",
        "SECRET_KEY": "a production secret",
        "DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": test_config["REDIS_URL"],
        "BASE_URL": "https://survey.sd.go.kr/",
        "MAIL_SERVER": "smtp.sd.go.kr",
        "MAIL_DEFAULT_SENDER": "성동구청 <survey@sd.go.kr>",
    }
    for name, value in production.items():
        monkeypatch.setenv(name, value)
    app = create_app()
    assert not app.config["LOCAL_MODE"]
    assert "outbox.mail" not in app.view_functions
    assert app.config["SESSION_COOKIE_SECURE"]
    assert app.config["BASE_URL"] == "https://survey.sd.go.kr"
    assert app.config["SMS_PROVIDER"] == ""


def test_the_local_app_has_its_outboxes(app):
    assert "outbox.mail" in app.view_functions and "outbox.sms" in app.view_functions


def _pcrm(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PCRM_ENV")}
    return subprocess.run(
        [sys.executable, "-m", "pcrm", *args],
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_explains_missing_configuration_and_exits_2(tmp_path):
    result = _pcrm("routes", PCRM_ENV="production", PCRM_INSTANCE_PATH=str(tmp_path))
    assert result.returncode == 2
    assert "Configuration error" in result.stderr and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def empty_database(tmp_path):
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def test_a_database_that_is_not_migrated_gets_a_clear_503(make_app, empty_database):
    client = make_app(SQLALCHEMY_DATABASE_URI=empty_database).test_client()
    response = client.get("/login")
    assert response.status_code == 503
    assert "pcrm db upgrade" in response.text and "Traceback" not in response.text
    health = client.get("/healthz")
    assert health.status_code == 503
    (head,) = ScriptDirectory(str(ROOT / "migrations")).get_heads()  # one line of migrations
    assert health.json["database"]["pending_migrations"] == [head]
    assert f"빠진 단계: {head}" in response.text and "The database" not in response.text


def test_commands_on_a_database_that_is_not_migrated_say_so(tmp_path, empty_database):
    env = {"DATABASE_URL": empty_database, "PCRM_INSTANCE_PATH": str(tmp_path)}
    for command in (
        ["worker", "--burst"],
        [
            "create-user",
            "--email",
            "a@example.kr",
            "--name",
            "김",
            "--role",
            "pr",
            "--password",
            "long enough password",
        ],
    ):
        result = _pcrm(*command, **env)
        assert result.returncode == 2, command
        assert "pcrm db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_commands_on_an_unreachable_database_say_so(tmp_path):
    env = {
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "PCRM_INSTANCE_PATH": str(tmp_path),
    }
    result = _pcrm("worker", "--burst", **env)
    assert result.returncode == 2
    assert "Cannot use the database" in result.stderr and "Traceback" not in result.stderr


def test_ensure_migrated_raises_a_named_error_inside_the_app(make_app, empty_database):
    from pcrm.schema import ensure_migrated

    with (
        make_app(SQLALCHEMY_DATABASE_URI=empty_database).app_context(),
        pytest.raises(SchemaNotMigrated, match="pcrm db upgrade"),
    ):
        ensure_migrated()


def test_the_deployment_guide_explains_every_environment_variable():
    sources = [ROOT / "pcrm" / "config.py", ROOT / "pcrm" / "__init__.py"]
    pattern = re.compile(r'environ(?:\.get\(|, )"([A-Z0-9_]+)"')
    names = {name for path in sources for name in pattern.findall(path.read_text())}
    assert {"SECRET_KEY", "DATABASE_URL", "PCRM_INSTANCE_PATH", "MAIL_PORT"} <= names
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert sorted(name for name in names if f"`{name}`" not in guide) == []


def test_a_server_error_is_explained_in_the_visitors_language(app, make_app):
    from pcrm.auth.access import public

    failing = make_app(PROPAGATE_EXCEPTIONS=False)  # on the database `app` migrated

    @public
    def broken():
        raise RuntimeError("a bug")

    failing.add_url_rule("/broken", "broken", broken)
    client = failing.test_client()
    korean = client.get("/broken")
    assert korean.status_code == 500
    assert "일시적인 오류가 생겼습니다" in korean.text and "공보담당관에 알려 주세요" in korean.text
    assert "Internal Server Error" not in korean.text and "a bug" not in korean.text
    english = client.get("/broken?lang=en")
    assert "Internal Server Error" not in english.text and "went wrong" in english.text
    refused = client.delete("/login")
    assert refused.status_code == 405 and "Method Not Allowed" not in refused.text
