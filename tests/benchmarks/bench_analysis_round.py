"""Benchmark the report builder over a closed round's snapshot on the 10,000-project demo.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_analysis_round.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

As tests/benchmarks/bench_analysis.py, with `round=<year>` on every question: the latest round
the demo closed (portal/demo/rounds.py), answered from its snapshot (portal/analysis/frozen.py).
Whole requests of two-dimension questions (target p95 < 300 ms) and three-dimension ones
(< 600 ms), as CDC, as a partner's focal point and as the public, through the page, the API
and the CSV export; the hardest splits are there (sectors × places, years × sectors × places).
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
    ("page", "cdc", "rows=sector&columns=province&measure=disbursed"),
    ("page", "cdc", "rows=district&columns=category&measure=planned"),
    ("api", "cdc", "rows=ministry&columns=status&measure=projects"),
    ("api", "cdc", "rows=province&columns=year&measure=planned&share=row"),
    ("export", "cdc", "rows=sector&columns=district&measure=commitment"),
    ("page", "partner", "rows=category&columns=year&measure=disbursed"),
    ("page", "public", "rows=province&columns=assistance&measure=commitment"),
    ("api", "public", "rows=sector&columns=year&measure=planned"),
]
THREE = [
    ("page", "cdc", "rows=sector,province&columns=year&measure=planned"),
    ("api", "cdc", "rows=partner,category&columns=district&measure=commitment"),
    ("page", "cdc", "rows=province,year&columns=modality&measure=projects"),
    ("page", "partner", "rows=partner,sector&columns=year&measure=planned"),
    ("api", "public", "rows=ministry,province&columns=year&measure=disbursed"),
]
PATHS = {"page": "/analysis/", "api": "/api/v1/pivot", "export": "/analysis/export.csv"}


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "analysis-round") as url:
        app = served_app(url, args.cache_dir / "instance")
        from portal.analysis.frozen import closed_rounds
        from portal.api.limits import api_limiter
        from portal.extensions import db

        limiter = api_limiter(app)
        with app.app_context():
            counter = StatementCounter(db.engine)
            year = closed_rounds()[0].year
        print(f"  the round of {year}, as frozen", flush=True)
        clients = {
            "public": app.test_client(),
            "cdc": logged_in(app, "cdc@demo.example"),
            "partner": logged_in(app, "jica@demo.example"),
        }
        results = []
        for questions, target in ((TWO, TWO_P95_MS), (THREE, THREE_P95_MS)):
            for where, who, query in questions:
                url = f"{PATHS[where]}?{query}&round={year}"
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
    ok = report(f"{backend}, {args.size} projects, a round's snapshot", results)
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
