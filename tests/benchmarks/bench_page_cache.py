"""Benchmark the public pages' cache: throughput against a bare route in the same process.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_page_cache.py [--backend sqlite|postgresql|both]
        [--size 10000] [--rounds 3] [--seconds 2] [--redis-url redis://127.0.0.1:6379/14]

On a fresh copy of the demo database (tests/benchmarks/common.py), with the portal started as
app.py starts it plus one bare route (`/__bare`, a short text: the framework's own ceiling),
an anonymous visitor (who keeps its session cookie, as a browser does) asks, one request after
another, for the bare route and for each public page with the cache off and on, in alternating
runs of `--seconds` each, `--rounds` times. Prints requests per second, the share of the bare
route's throughput, the SQL statements of one answer, and PASS/FAIL against the issue's target
for cached public pages (at least 0.3 of the bare route), with the load average before and
after. CDC's dashboard, logged in (never from the page cache), is measured the same way against
its own target: at least 0.04 of the bare route; its figures are drawn once per data version
(portal/dashboard/services.py), so it is measured a second time with the data's version raised
before each request, as any committed change raises it (for information: every request draws
the figures again). The cache is in the process's memory (the embedded
default); `--redis-url` puts it in Redis instead (the production set-up; the database number
given is emptied of the cache's keys).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import (  # noqa: E402
    StatementCounter,
    demo_copy,
    each_backend,
    get,
    load_average,
    logged_in,
    parser,
    raise_version,
    served_app,
)

CACHED_SHARE_TARGET = 0.3
CDC_DASHBOARD_SHARE_TARGET = 0.04
CDC_EMAIL = "cdc@demo.example"
PAGES = (
    ("public dashboard (home)", "/"),
    ("public dashboard", "/dashboard/"),
    ("public project list", "/projects/"),
)


CDC_DASHBOARD = "CDC dashboard (logged in, no page cache)"
CDC_CHANGED = "CDC dashboard, data changed before each"


def _rate(
    app, client, url: str, cached: bool | None, seconds: float, before=None
) -> tuple[int, float]:
    """Ask for `url` for `seconds` (calling `before()` ahead of each); return (requests,
    elapsed)."""
    if cached is not None:
        app.config["PAGE_CACHE"] = cached
    count, started = 0, time.perf_counter()
    while True:
        if before is not None:
            before()
        get(client, url)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count, elapsed


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; before: {load_average()}", flush=True)
    environment = {"PORTAL_REDIS_URL": args.redis_url} if args.redis_url else {}
    with demo_copy(backend, args, "pagecache") as url:
        app = served_app(url, args.cache_dir / "instance", **environment)
        app.add_url_rule("/__bare", "bare", lambda: "ok")
        from portal.extensions import cache, db

        with app.app_context():
            counter = StatementCounter(db.engine)
            cache.clear()
        client, cdc = app.test_client(), logged_in(app, CDC_EMAIL)
        # The runs: the bare route, each page without and with the cache, CDC's dashboard.
        runs = [("bare route", "/__bare", None)]
        for name, path in PAGES:
            runs += [(f"{name}, uncached", path, False), (f"{name}, cached", path, True)]
        runs.append((CDC_DASHBOARD, "/dashboard/", None))
        runs.append((CDC_CHANGED, "/dashboard/", None))
        logged = (CDC_DASHBOARD, CDC_CHANGED)
        clients = {name: cdc if name in logged else client for name, *_ in runs}
        # What a committed change does to whatever is kept per data version: its version moves
        # on (the kept sums stay current by themselves; the figures drawn from them are drawn
        # again). The raise is part of the time measured.
        changed = {CDC_CHANGED: lambda: raise_version(app)}
        statements = {}
        for name, path, cached in runs:  # warm up; the cached runs' first answer fills it
            for _ in range(3):
                counter.reset()
                _rate(app, clients[name], path, cached, 0, changed.get(name))
            statements[name] = counter.count
        totals = {name: [0, 0.0] for name, _path, _cached in runs}
        for _round in range(args.rounds):
            for name, path, cached in runs:
                count, elapsed = _rate(
                    app, clients[name], path, cached, args.seconds, changed.get(name)
                )
                totals[name][0] += count
                totals[name][1] += elapsed
        with app.app_context():
            counter.close()
            if args.redis_url:
                cache.clear()
            db.session.remove()
            db.engine.dispose()
    where = "Redis" if args.redis_url else "memory"
    ok = _report(f"{backend}, {args.size} projects, cache in {where}", runs, totals, statements)
    print(f"{backend}: done; after: {load_average()}", flush=True)
    return ok


def _report(title: str, runs, totals, statements) -> bool:
    bare = totals["bare route"][0] / totals["bare route"][1]
    print(f"\n{title}")
    header = f"{'measure':<40}{'req/s':>9}{'share':>8}{'SQL':>6}  {'target':<16}result"
    print(header)
    print("-" * len(header))
    ok = True
    for name, _path, cached in runs:
        count, elapsed = totals[name]
        rate = count / elapsed
        share = rate / bare
        target, verdict = "(info)", ""
        wanted = CDC_DASHBOARD_SHARE_TARGET if name == CDC_DASHBOARD else CACHED_SHARE_TARGET
        if cached or name == CDC_DASHBOARD:
            target = f"share >= {wanted:g}"
            verdict = "PASS" if share >= wanted else "FAIL"
            ok = ok and share >= wanted
        print(f"{name:<40}{rate:>9.1f}{share:>8.3f}{statements[name]:>6}  {target:<16}{verdict}")
    return ok


def main(argv=None) -> int:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    options.add_argument("--seconds", type=float, default=2.0, help="length of one run")
    options.add_argument("--redis-url", default=None, help="keep the cache in this Redis")
    args = options.parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
