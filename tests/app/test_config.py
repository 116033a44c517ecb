"""Settings: safe defaults, environment overrides, and a production start that refuses a guessable key."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, ConfigError, load_settings, normalize_database_url
from app.database import engine_for, engine_options


@pytest.fixture
def clean_env(monkeypatch):
    for name in (
        "APP_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "MAX_CONTENT_LENGTH",
        "TOKEN_TTL_SECONDS",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_without_secret_key_refuses_to_start(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set") as excinfo:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert "secrets.token_urlsafe" in str(excinfo.value)


def test_production_with_an_empty_secret_key_refuses_too(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    clean_env.setenv("SECRET_KEY", "")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})


def test_production_with_a_secret_key_starts(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    clean_env.setenv("SECRET_KEY", "a-long-random-value")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert app.config["SECRET_KEY"] == "a-long-random-value"


def test_development_defaults_work_out_of_the_box(clean_env, tmp_path):
    settings = load_settings(str(tmp_path / "instance"))
    assert settings["APP_ENV"] == "development"
    assert settings["SECRET_KEY"] == DEV_SECRET_KEY
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'todo.sqlite3'}"
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024


def test_environment_variables_override_defaults_and_config_overrides_both(clean_env, tmp_path):
    clean_env.setenv("MAX_CONTENT_LENGTH", "1024")
    clean_env.setenv("TOKEN_TTL_SECONDS", "60")
    settings = load_settings(str(tmp_path), {"TOKEN_TTL_SECONDS": 30})
    assert settings["MAX_CONTENT_LENGTH"] == 1024
    assert settings["TOKEN_TTL_SECONDS"] == 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAX_CONTENT_LENGTH": "64k"}, "MAX_CONTENT_LENGTH must be an integer"),
        ({"TOKEN_TTL_SECONDS": "0"}, "TOKEN_TTL_SECONDS must be positive"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": "0"}, "DATABASE_STATEMENT_TIMEOUT_MS must be positive"),
        ({"DATABASE_CONNECT_TIMEOUT": "-1"}, "DATABASE_CONNECT_TIMEOUT must be positive"),
        ({"HEALTHZ_TIMEOUT_SECONDS": "soon"}, "HEALTHZ_TIMEOUT_SECONDS must be a number"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, text"),
    ],
)
def test_invalid_settings_are_refused_with_the_variable_named(clean_env, tmp_path, env, message):
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(str(tmp_path))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        ("postgres://u:p@db.internal/todos", "postgresql+psycopg://u:p@db.internal/todos"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///instance/todo.sqlite3", "sqlite:///instance/todo.sqlite3"),
    ],
)
def test_postgresql_urls_use_the_psycopg_3_driver(url, expected):
    assert normalize_database_url(url) == expected


def test_the_app_engine_uses_the_normalized_url(clean_env):
    # The engine connects lazily, so no server is needed to see which driver it would use.
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql://someone@db.invalid/todos"})
    engine = engine_for(app)
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://someone@db.invalid/todos"


def test_database_waits_are_bounded_and_overridable(clean_env, tmp_path):
    clean_env.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "1500")
    clean_env.setenv("DATABASE_POOL_TIMEOUT", "0.5")
    settings = load_settings(str(tmp_path))
    assert settings["DATABASE_STATEMENT_TIMEOUT_MS"] == 1500
    assert settings["DATABASE_POOL_TIMEOUT"] == 0.5
    assert settings["DATABASE_CONNECT_TIMEOUT"] == 3
    assert settings["HEALTHZ_TIMEOUT_SECONDS"] < 1


def test_postgresql_connections_carry_the_timeouts_and_keep_the_urls_own_options(clean_env):
    url = "postgresql://someone@db.invalid/todos?options=-c%20search_path%3Dtodo"
    options = engine_options(
        load_settings("instance", {"DATABASE_URL": url, "DATABASE_LOCK_TIMEOUT_MS": 700})
    )
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] == 3
    startup = options["connect_args"]["options"]
    assert startup.startswith("-c search_path=todo ")
    assert "-c statement_timeout=5000" in startup and "-c lock_timeout=700" in startup
    assert "-c idle_in_transaction_session_timeout=" in startup


@pytest.mark.parametrize(("app_env", "expected"), [("production", "json"), ("development", "text")])
def test_logs_are_json_lines_in_production_and_text_elsewhere(clean_env, tmp_path, app_env, expected):
    clean_env.setenv("APP_ENV", app_env)
    clean_env.setenv("SECRET_KEY", "a-long-random-value")
    assert load_settings(str(tmp_path))["LOG_FORMAT"] == expected
    clean_env.setenv("LOG_FORMAT", "text")
    assert load_settings(str(tmp_path))["LOG_FORMAT"] == "text"
