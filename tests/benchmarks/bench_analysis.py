"""Benchmark the report builder (page and API) on the 10,000-project demo.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_analysis.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (tests/benchmarks/common.py), with the portal started as
app.py starts it, times (p50/p95, ms, and the SQL statements of each) whole requests of
two-dimension questions (target p95 < 300 ms) and three-dimension ones (< 600 ms), as CDC (who
sees every project), as a partner's focal point and as the public, through the page and the API.
The public page cache is off (PORTAL_PAGE_CACHE_TIMEOUT=0): every answer is computed.
The hardest splits are there: years × sectors × places, each amount cut along three axes.
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
    report,
    served_app,
)

TWO_P95_MS = 300
THREE_P95_MS = 600
TWO = [
    ("page", "cdc", "rows=partner&columns=year&measure=disbursed"),
    ("page", "cdc", "rows=sector&columns=province&measure=commitment"),
    ("page", "cdc", "rows=district&columns=category&measure=planned"),
    ("api", "cdc", "rows=ministry&columns=status&measure=projects"),
    ("api", "cdc", "rows=province&columns=year&measure=disbursed&share=row"),
    ("page", "partner", "rows=category&columns=year&measure=disbursed"),
    ("page", "public", "rows=province&columns=assistance&measure=commitment"),
    ("api", "public", "rows=sector&columns=year&measure=disbursed&money_from=2015&money_to=2025"),
]
THREE = [
    ("page", "cdc", "rows=sector,province&columns=year&measure=disbursed"),
    ("api", "cdc", "rows=partner,category&columns=district&measure=commitment"),
    ("page", "cdc", "rows=province,year&columns=modality&measure=projects"),
    ("page", "partner", "rows=partner,sector&columns=year&measure=planned"),
    ("api", "public", "rows=ministry,province&columns=year&measure=disbursed"),
]


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "analysis") as url:
        # No page cache: the public's questions repeat, and each answer must be worked out.
        app = served_app(url, args.cache_dir / "instance", PORTAL_PAGE_CACHE_TIMEOUT="0")
        from portal.api.limits import api_limiter
        from portal.extensions import db

        limiter = api_limiter(app)

        with app.app_context():
            counter = StatementCounter(db.engine)
        clients = {
            "public": app.test_client(),
            "cdc": logged_in(app, "cdc@demo.example"),
            "partner": logged_in(app, "jica@demo.example"),
        }
        results = []
        for questions, target in ((TWO, TWO_P95_MS), (THREE, THREE_P95_MS)):
            for where, who, query in questions:
                url = f"/analysis/?{query}" if where == "page" else f"/api/v1/pivot?{query}"
                results.append(
                    measure(
                        f"{where} {who}: {query}",
                        target,
                        # The public's API allowance (60 a minute) is not what is measured.
                        lambda c=clients[who], u=url: (limiter.reset(), get(c, u)),
                        counter,
                        requests=args.requests,
                        warmup=args.warmup,
                    )
                )
        counter.close()
    ok = report(f"{backend}, {args.size} projects", results)
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
