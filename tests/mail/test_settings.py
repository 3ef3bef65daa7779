"""Mail settings from the environment, and where the embedded sender thread runs."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import Config, ConfigurationError, TestConfig
from portal.mail import sender


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    for name in ("PORTAL_ENV", "PORTAL_REDIS_URL", "MAIL_SERVER", "MAIL_PORT", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_mail_settings_come_from_the_environment(environment):
    environment.setenv("MAIL_SERVER", "smtp.cdc.example")
    environment.setenv("MAIL_PORT", "587")
    environment.setenv("MAIL_USE_TLS", "1")
    environment.setenv("MAIL_USERNAME", "portal")
    environment.setenv("MAIL_PASSWORD", "secret")
    environment.setenv("MAIL_DEFAULT_SENDER", "CDC <portal@cdc.example>")
    environment.setenv("PORTAL_BASE_URL", "https://portal.cdc.example")
    config = Config()
    assert (config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS) == (
        "smtp.cdc.example",
        587,
        True,
    )
    assert (config.MAIL_USE_SSL, config.MAIL_USERNAME, config.MAIL_PASSWORD) == (
        False,
        "portal",
        "secret",
    )
    assert config.MAIL_DEFAULT_SENDER == "CDC <portal@cdc.example>"
    assert config.PORTAL_BASE_URL == "https://portal.cdc.example"


def test_defaults_send_nothing(environment):
    config = Config()
    assert config.MAIL_SERVER is None and config.MAIL_PORT == 25
    assert config.PORTAL_BASE_URL == "http://127.0.0.1:5000"
    assert not config.MAIL_SENDER_THREAD


def test_a_bad_port_is_refused_with_a_clear_message(environment):
    environment.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MAIL_PORT"):
        Config()


def test_the_thread_sends_only_in_the_embedded_default(environment):
    environment.setenv("MAIL_SERVER", "smtp.cdc.example")
    assert Config().MAIL_SENDER_THREAD  # development, no Redis
    environment.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert not Config().MAIL_SENDER_THREAD  # the production worker's job
    environment.delenv("PORTAL_REDIS_URL")
    environment.setenv("PORTAL_ENV", "production")
    environment.setenv("SECRET_KEY", "x" * 32)
    assert not Config().MAIL_SENDER_THREAD
    environment.setenv("PORTAL_ENV", "development")
    assert not TestConfig().MAIL_SENDER_THREAD  # tests send only when they ask


def test_the_thread_starts_with_the_first_request_only(environment):
    started = []
    environment.setattr(sender, "start_thread", lambda app: started.append(app))
    config = TestConfig()
    config.MAIL_SENDER_THREAD = True
    app = create_app(config)
    assert started == []  # not at start-up: commands such as `db upgrade` send nothing
    client = app.test_client()
    client.get("/about")
    client.get("/about")
    assert started == [app]
