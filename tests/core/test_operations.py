"""Operations: /healthz and /readyz, request ids in responses, logs and jobs."""

from __future__ import annotations

import logging
import os
import re
import uuid

import pytest

from portal import create_app, jobs
from portal.config import TestConfig
from portal.logs import current_request_id, set_request_id

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# PostgreSQL on a port where nothing listens: the database is down.
DATABASE_DOWN = "postgresql+psycopg://postgres@127.0.0.1:9/portal"
seen_request_ids: list[str] = []


def remember_request_id() -> None:
    seen_request_ids.append(current_request_id())


def _app(**settings):
    config = TestConfig(settings.pop("database_url", None))
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def test_healthz_answers_ok_without_a_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database_and_the_upload_folder(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured", "uploads": "ok"},
    }
    assert "Set-Cookie" not in response.headers


def test_probes_never_touch_the_session_of_a_logged_in_client(client, login_as):
    login_as("cdc")
    for url in ("/healthz", "/readyz"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url


@pytest.mark.own_database  # an app of its own, on its own database
def test_readyz_with_the_database_down_names_it_without_a_trace():
    app = _app(database_url=DATABASE_DOWN)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.json
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("failed")
    assert body["checks"]["uploads"] == "ok"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "127.0.0.1" not in text and "File " not in text
    # The process itself still answers.
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.own_database  # an app of its own, on its own database
def test_readyz_pings_redis_when_configured(tmp_path):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown:
        if os.environ.get("PORTAL_NO_SKIP"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    response = _app(REDIS_URL=REDIS_URL).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == "ok"

    response = _app(REDIS_URL="redis://127.0.0.1:9/0").test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["redis"]


@pytest.mark.own_database  # an app of its own, on its own database
def test_readyz_fails_when_the_upload_folder_cannot_be_written(tmp_path):
    not_a_folder = tmp_path / "uploads"
    not_a_folder.write_text("a file where the folder should be")
    response = _app(UPLOAD_DIR=str(not_a_folder)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["uploads"]


@pytest.mark.own_database  # an app of its own, on its own database
def test_probes_are_never_rate_limited():
    app = _app(API_RATE_LIMIT_ANONYMOUS="2 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/openapi.json").status_code for _ in range(4)]
    assert 429 in statuses  # the limit is on, for the API
    for _ in range(30):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    "sent",
    [None, "", "has space", "line\nbreak", 'quote"', "x" * 200, "ünïcode", "-leading-dash"],
)
def test_an_unusable_request_id_is_replaced_by_a_new_one(client, sent):
    environ = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}  # as a server would pass it
    returned = client.get("/healthz", environ_overrides=environ).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", returned)


@pytest.mark.parametrize(
    "sent", ["abc-123", "3f2b8c1e-5d4a-4e8b-9c7d-0a1b2c3d4e5f", "1-67891233-abcdef:9.x_y"]
)
def test_a_sane_request_id_is_kept_and_returned(client, sent):
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent


@pytest.mark.own_database  # an app of its own, on its own database
def test_log_lines_carry_time_level_logger_and_request_id(capsys):
    app = _app()

    @app.get("/test-log")
    def _log_something():
        logging.getLogger("portal.test").warning("something to say")
        return "done"

    capsys.readouterr()
    app.test_client().get("/test-log", headers={"X-Request-ID": "rid-4242"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "something to say" in line]
    assert len(lines) == 1
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING portal\.test \[rid-4242\] something to say$",
        lines[0],
    )


def test_a_job_logs_under_the_request_id_of_the_request_that_asked_for_it(app):
    seen_request_ids.clear()
    set_request_id("rid-thread")
    jobs._in_app(app, f"{__name__}.remember_request_id", (), "rid-from-request")
    assert seen_request_ids == ["rid-from-request"]


@pytest.mark.own_database
def test_a_queued_job_carries_the_request_id_to_the_worker(monkeypatch):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("PORTAL_NO_SKIP"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    queue_name = f"portal-test-{uuid.uuid4().hex[:8]}"
    app = _app(JOBS_MODE="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=queue_name)
    monkeypatch.setattr(jobs, "_worker_app", app)
    seen_request_ids.clear()
    try:
        with app.test_request_context():
            set_request_id("rid-queued")
            jobs.submit(f"{__name__}.remember_request_id")
        set_request_id("-")
        queue = Queue(queue_name, connection=connection)
        assert [job.meta["request_id"] for job in queue.jobs] == ["rid-queued"]
        SimpleWorker([queue], connection=connection).work(burst=True)
        assert seen_request_ids == ["rid-queued"]
    finally:
        connection.delete(*connection.keys(f"rq:*{queue_name}*") or ["none"])
