"""Public pages served from a cache while the data stay the same (portal.cache).

A second anonymous request is answered without working the page out again; a committed change
makes the next answer fresh; each language has its own copy; logged-in readers never get or
leave a cached copy; ETag/304 works; no visitor's token or cookie reaches another.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest

from portal import cache as page_cache
from portal.extensions import cache, db
from portal.money.services import set_rate
from portal.projects.services import set_published
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.statements import recorded

PUBLIC_PAGES = [
    "/",
    "/dashboard/",
    "/projects/",
    "/projects/?sort=-amount",
    "/map/",
    "/map/frame",
    "/map/province/12",
    "/map/districts/",
    "/analysis/?rows=province",
    "/api/v1/aggregates/province",
    "/api/v1/pivot?rows=sector",
]
TOKEN = re.compile(rb'name="csrf_token" value="([^"]+)"')


def _published(title: str, **fields):
    project = factories.project(title_en=title, **fields)
    set_published(project, True, actor=None)
    db.session.commit()  # a committed change: the data's version moves on
    return project


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_pages_second_answer_comes_from_the_cache(client, path, monkeypatch):
    # The version read by the first answer is kept a second in the process's memory; a slow
    # first answer must not make the second one read it again.
    monkeypatch.setattr(page_cache, "LOCAL_VERSION_SECONDS", 60)
    _published("Cached rural roads")
    first = client.get(path)
    assert first.status_code == 200, path
    assert first.headers["X-Cache"] == "miss" and first.headers["ETag"].startswith('W/"')
    with recorded() as statements:
        second = client.get(path)
    assert second.headers["X-Cache"] == "hit"
    # Nothing is read from the database: the data's version is kept in the cache too.
    assert statements == []
    assert TOKEN.sub(b"", second.data) == TOKEN.sub(b"", first.data)
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert second.headers.get(header) == first.headers.get(header), header


def test_a_committed_change_makes_the_next_answer_fresh(client):
    _published("First cached bridge")
    first = client.get("/projects/")
    assert b"First cached bridge" in first.data
    assert client.get("/projects/").headers["X-Cache"] == "hit"
    _published("Second cached bridge")
    fresh = client.get("/projects/", headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["X-Cache"] == "miss"
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert b"Second cached bridge" in fresh.data


def test_a_rate_change_makes_the_aggregates_fresh(client):
    factories.rate("EUR", 2022, "0.5")
    _published("Euro clinic", commitment_currency="EUR")
    url = "/api/v1/aggregates/year"
    first = client.get(url)
    assert first.json["totals"]["commitment_usd"] == "2000000.00"
    assert client.get(url).headers["X-Cache"] == "hit"
    set_rate("EUR", 2022, Decimal("0.8"))
    db.session.commit()
    fresh = client.get(url)
    assert fresh.headers["X-Cache"] == "miss" and fresh.headers["ETag"] != first.headers["ETag"]
    assert fresh.json["totals"]["commitment_usd"] == "1250000.00"


def test_each_language_has_its_own_copy(client, app):
    _published("Bilingual school")
    english = client.get("/dashboard/")
    khmer = client.get("/dashboard/", headers={"Accept-Language": "km"})
    assert english.headers["X-Cache"] == khmer.headers["X-Cache"] == "miss"
    assert english.headers["ETag"] != khmer.headers["ETag"]
    assert b'<html lang="en">' in english.data and b'<html lang="km">' in khmer.data
    # The language chosen with the switch (kept in the session) reaches the same copy.
    other = app.test_client()
    other.post("/language", data={"lang": "km"})
    chosen = other.get("/dashboard/")
    assert chosen.headers["X-Cache"] == "hit" and b'<html lang="km">' in chosen.data


def test_an_unchanged_page_is_not_sent_again(client):
    _published("Revalidated dam")
    first = client.get("/map/")
    again = client.get("/map/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    # The page holds the visitor's own token: no shared cache may keep it.
    assert "private" in first.headers["Cache-Control"]
    api = client.get("/api/v1/aggregates/sector")
    assert "public" in api.headers["Cache-Control"] and "Set-Cookie" not in api.headers


def test_a_304_leaves_the_kept_pages_own_policy_alone(client):
    """The browser lays a 304's headers over its kept copy: the map's document (which runs
    folium's inline scripts under a policy of its own) must not get the site's stricter
    default that way, or a revisited map draws nothing."""
    frame = client.get("/map/frame?measure=disbursed")
    assert "'unsafe-inline'" in frame.headers["Content-Security-Policy"]
    again = client.get(
        "/map/frame?measure=disbursed", headers={"If-None-Match": frame.headers["ETag"]}
    )
    assert again.status_code == 304
    assert "Content-Security-Policy" not in again.headers


def test_logged_in_readers_neither_get_nor_leave_a_cached_copy(client, app):
    _published("Public canal")
    factories.project(title_en="Draft canal never published")
    user = factories.user(role="cdc")
    db.session.commit()
    public = app.test_client()
    assert public.get("/projects/").headers["X-Cache"] == "miss"
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    own = client.get("/projects/")
    assert b"Draft canal never published" in own.data
    assert "X-Cache" not in own.headers and "ETag" not in own.headers
    assert own.headers["Cache-Control"] == "no-store"
    # The public copy is unchanged by the logged-in visit, and holds no draft.
    later = public.get("/projects/")
    assert later.headers["X-Cache"] == "hit"
    assert b"Draft canal never published" not in later.data
    # An API token's answers are the token owner's: never cached either.
    from portal.api.tokens import create_token

    secret = create_token(factories.user(role="cdc"), "nightly").secret
    db.session.commit()
    answer = public.get(
        "/api/v1/aggregates/province", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 200 and "X-Cache" not in answer.headers


def test_no_visitors_token_or_cookie_reaches_another(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        first, second = app.test_client(), app.test_client()
        one = first.get("/dashboard/")
        two = second.get("/dashboard/")
        assert (one.headers["X-Cache"], two.headers["X-Cache"]) == ("miss", "hit")
        cookie_one = first.get_cookie("portal_session")
        cookie_two = second.get_cookie("portal_session")
        assert cookie_one and cookie_two and cookie_one.value != cookie_two.value
        token_one, token_two = TOKEN.search(one.data)[1], TOKEN.search(two.data)[1]
        assert token_one != token_two
        assert cookie_one.value.encode() not in two.data
        assert cookie_one.value not in two.headers.get("Set-Cookie", "")
        # Each visitor's token works with that visitor's session, and only with it.
        switched = second.post(
            "/language", data={"lang": "km", "csrf_token": token_two.decode(), "next": "/"}
        )
        assert switched.status_code == 302
        stolen = first.post("/language", data={"lang": "km", "csrf_token": token_two.decode()})
        assert stolen.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_pages_with_a_message_for_the_visitor_are_not_cached(client, app):
    _published("Flashed harbour")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Just for this visitor")]
    shown = client.get("/projects/")
    assert b"Just for this visitor" in shown.data and "X-Cache" not in shown.headers
    other = app.test_client().get("/projects/")
    assert other.headers["X-Cache"] == "miss" and b"Just for this visitor" not in other.data


def test_refused_questions_are_not_kept(client):
    first = client.get("/api/v1/aggregates/nothing")
    assert first.status_code == 404 and "X-Cache" not in first.headers
    answer = client.get("/analysis/?rows=no-such-dimension")
    assert answer.status_code == 400 and "X-Cache" not in answer.headers


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def _cache_in(app, **config):
    """Put the app's page cache elsewhere for the block (as production's settings would)."""
    before = app.extensions["cache"][cache]
    cache.init_app(app, config=config)
    try:
        yield
    finally:
        if config.get("CACHE_REDIS_URL") == REDIS_URL:
            cache.clear()  # this test's keys only (their prefix)
        app.extensions["cache"][cache] = before


def test_the_cache_in_redis_serves_the_second_answer(app, client):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown:
        if os.environ.get("PORTAL_NO_SKIP"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    _published("Redis-kept dyke")
    prefix = f"portal-page-test-{uuid.uuid4().hex[:8]}:"
    with _cache_in(
        app, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix
    ):
        first = client.get("/projects/")
        second = app.test_client().get("/projects/")
        assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
        assert b"Redis-kept dyke" in second.data
        assert Redis.from_url(REDIS_URL).keys(f"{prefix}*")


def test_a_cache_that_cannot_be_reached_does_not_fail_the_page(app, client):
    _published("Unreachable cache bridge")
    unreachable = "redis://127.0.0.1:1/0"
    with _cache_in(app, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=unreachable):
        answer = client.get("/projects/")
        assert answer.status_code == 200 and b"Unreachable cache bridge" in answer.data


def test_a_commit_tells_the_shared_cache_and_a_hit_reads_no_database(app, client):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown:
        if os.environ.get("PORTAL_NO_SKIP"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    _published("Shared version canal")
    prefix = f"portal-page-test-{uuid.uuid4().hex[:8]}:"
    kept_version = f"{prefix}{page_cache.VERSION_KEY}"
    with _cache_in(
        app, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix
    ):
        assert client.get("/projects/").headers["X-Cache"] == "miss"
        with recorded() as statements:
            hit = app.test_client().get("/projects/")
        assert hit.headers["X-Cache"] == "hit" and statements == []
        before = Redis.from_url(REDIS_URL).get(kept_version)
        _published("Second shared canal")  # what every process reading this Redis sees
        assert Redis.from_url(REDIS_URL).get(kept_version) not in (None, before)
        fresh = app.test_client().get("/projects/")
        assert fresh.headers["X-Cache"] == "miss" and b"Second shared canal" in fresh.data


def test_a_change_the_memory_cache_was_not_told_shows_within_a_second(client):
    """Another process's commit cannot reach this one's memory: the kept version expires."""
    _published("Other process culvert")
    assert client.get("/projects/").headers["X-Cache"] == "miss"
    # As another process's commit: the database's version moves on, this process is not told.
    version = page_cache.changes.DataVersion.__table__
    db.session.connection().execute(version.update().values(version=version.c.version + 1))
    time.sleep(page_cache.LOCAL_VERSION_SECONDS + 0.05)
    assert client.get("/projects/").headers["X-Cache"] == "miss"
