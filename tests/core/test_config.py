"""Configuration from the environment."""

import pytest

from portal.config import Config, ConfigurationError


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        Config()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert Config().SESSION_COOKIE_SECURE is True


def test_development_generates_and_keeps_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    first, second = Config().SECRET_KEY, Config().SECRET_KEY
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    assert f"sqlite:///{tmp_path / 'portal.db'}" == Config().SQLALCHEMY_DATABASE_URI


def test_sqlite_enforces_foreign_keys(app):
    from sqlalchemy import text

    from portal.extensions import db

    assert db.session.execute(text("SELECT 1")).scalar() == 1
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_runs_without_query_jit(app):
    from sqlalchemy import text

    from portal.extensions import db

    if db.engine.dialect.name != "postgresql":
        assert "connect_args" not in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        return
    assert db.session.execute(text("SHOW jit")).scalar() == "off"


@pytest.mark.parametrize("secret", ["x", "short-secret", "a" * 31, "ក" * 10])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(monkeypatch, secret):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        Config()


def test_production_accepts_a_secret_key_of_32_bytes(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    assert Config().SECRET_KEY == "k" * 32
