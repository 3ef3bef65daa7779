"""Benchmark the funding dashboard and the aggregate service on the 10,000-project demo.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (see tests/benchmarks/common.py: built once by the
portal's command line, then copied), with the portal started as app.py starts it, times
(p50/p95, ms, and the SQL statements of each): the dashboard as the public and as CDC, and
every aggregate dimension for one year as CDC, as the pages ask it (read from the kept sums of
portal/aggregates/summary.py where they answer). The dashboards' figures are drawn once per
data version: each is timed drawn afresh (the version raised before each request, as a change
raises it: the first view after a change) and as kept (every other view). Targets: dashboard
p95 under 200 ms, each way; any aggregate query under 50 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import (  # noqa: E402
    StatementCounter,
    demo_copy,
    each_backend,
    get,
    load_average,
    logged_in,
    measure,
    parser,
    raise_version,
    report,
    served_app,
)

DASHBOARD_P95_MS = 200
AGGREGATE_P95_MS = 50
YEAR = 2024


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "dash") as url:
        # No page cache: the public dashboard is measured as worked out, not as kept
        # (tests/benchmarks/bench_page_cache.py measures the cache).
        app = served_app(url, args.cache_dir / "instance", PORTAL_PAGE_CACHE_TIMEOUT="0")
        from portal.accounts.services import find_by_email
        from portal.aggregates.services import DIMENSIONS, SOURCE_DIMENSION
        from portal.aggregates.summary import aggregate
        from portal.extensions import db
        from portal.projects.queries import ProjectFilters

        with app.app_context():
            counter = StatementCounter(db.engine)
        public, cdc = app.test_client(), logged_in(app, "cdc@demo.example")
        runs = {"requests": args.requests, "warmup": args.warmup}
        # The figures of the public's and CDC's dashboards are drawn once per data version
        # (portal/dashboard/services.py): drawn afresh, the data's version raised before each
        # request (untimed) as any committed change raises it, and as kept.
        results = [
            measure(
                f"dashboard {YEAR}, {name}, {how}",
                DASHBOARD_P95_MS,
                lambda c=client: get(c, f"/dashboard/?year={YEAR}"),
                counter,
                after=(lambda: raise_version(app)) if how == "drawn afresh" else None,
                **runs,
            )
            for name, client in (("public", public), ("CDC", cdc))
            for how in ("drawn afresh", "kept")
        ]
        with app.app_context():
            user = find_by_email("cdc@demo.example")
            db.session.expunge(user)  # loaded once, as a request's user is; not again per call
            for dimension in (*DIMENSIONS, SOURCE_DIMENSION):
                results.append(
                    measure(
                        f"aggregate by {dimension} ({YEAR}, CDC)",
                        AGGREGATE_P95_MS,
                        lambda d=dimension: aggregate(user, ProjectFilters(), d, year=YEAR),
                        counter,
                        after=db.session.rollback,
                        **runs,
                    )
                )
            # Every measure of every source, and the reporting partner's signed commitments and
            # expenditure by year and by partner.
            every_measure = ("commitment", "disbursed", "planned", "signed", "expenditure")
            for dimension in (SOURCE_DIMENSION, "year", "partner"):
                results.append(
                    measure(
                        f"aggregate by {dimension}, all five measures ({YEAR}, CDC)",
                        AGGREGATE_P95_MS,
                        lambda d=dimension: aggregate(
                            user, ProjectFilters(), d, year=YEAR, measures=every_measure
                        ),
                        counter,
                        after=db.session.rollback,
                        **runs,
                    )
                )
            counter.close()
            db.session.remove()
            db.engine.dispose()
    ok = report(f"{backend}, {args.size} projects", results)
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
