"""Benchmark the map on demo data: aggregate by province, map page, map document, SVG, province.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_map.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild] [--boundaries PATH]

On a fresh copy of the demo database (see tests/benchmarks/common.py: built once by the
portal's command line, then copied) with a synthetic population table, and the portal started
as app.py starts it with the real province boundaries (PORTAL_BOUNDARIES_FILE, from the shared
data folder), times as the public: the aggregate service by province (the function itself),
the map page, the map document (iframe), the SVG, the CSV, a province page and the aggregates
API by province, unfiltered and
filtered. It prints p50/p95 in ms, the SQL statements of each, and PASS/FAIL against the
targets below.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import column, create_engine, insert, select, table  # noqa: E402

from tests.benchmarks.common import (  # noqa: E402
    ROOT,
    StatementCounter,
    demo_copy,
    each_backend,
    get,
    load_average,
    measure,
    parser,
    report,
    served_app,
)

DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "geo" / "khm-adm1-provinces.geojson"
# Targets, p95: the map page under 200 ms, the map document and the aggregates API under
# 100 ms (at national scale), the other map pages under 300 ms; any aggregate query (the
# function itself) under 50 ms.
MAP_PAGE_P95_MS = 200
DOCUMENT_P95_MS = 100
API_P95_MS = 100
PAGE_P95_MS = 300
AGGREGATE_P95_MS = 50
API = "/api/v1/aggregates/province"
PAGES = [
    ("map page", "/map/", MAP_PAGE_P95_MS),
    (
        "map page, disbursed 2020-24",
        "/map/?measure=disbursed&year_from=2020&year_to=2024",
        MAP_PAGE_P95_MS,
    ),
    ("map page, sector 122", "/map/?sector=122", MAP_PAGE_P95_MS),
    ("map page, per capita", "/map/?measure=per_capita", MAP_PAGE_P95_MS),
    ("map document (iframe)", "/map/frame", DOCUMENT_P95_MS),
    ("map SVG", "/map/map.svg", PAGE_P95_MS),
    ("map CSV", "/map/export.csv", PAGE_P95_MS),
    ("province page 12", "/map/province/12", PAGE_P95_MS),
    ("aggregates API by province", API, API_P95_MS),
    (
        "aggregates API by province, money of 2024",
        f"{API}?money_from=2024&money_to=2024",
        API_P95_MS,
    ),
    (
        "aggregates API by province, money of 2020-2024",
        f"{API}?money_from=2020&money_to=2024",
        API_P95_MS,
    ),
    ("aggregates API by province, sector 122", f"{API}?sector=122", API_P95_MS),
]


def add_population(url: str) -> None:
    """Made-up population figures (benchmark only), so the per-capita measure is on offer."""
    province = table("province", column("code"))
    population = table(
        "province_population", column("province_code"), column("year"), column("population")
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        codes = connection.scalars(select(province.c.code).order_by(province.c.code)).all()
        rows = [
            {"province_code": code, "year": year, "population": 200_000 + 37_000 * i}
            for i, code in enumerate(codes)
            for year in (2019, 2023)
        ]
        connection.execute(insert(population), rows)
    engine.dispose()


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    boundaries = args.boundaries if args.boundaries.is_file() else None
    if boundaries is None:
        print(f"  note: no boundary file at {args.boundaries}; the map uses circles")
    with demo_copy(backend, args, "map") as url:
        add_population(url)
        app = served_app(
            url,
            args.cache_dir / "instance",
            PORTAL_BOUNDARIES_FILE=str(boundaries or ""),
            # The repeated CSV downloads would pass an address's budget (429).
            PORTAL_API_RATE_LIMIT="1000000 per minute",  # the API's, likewise
            PORTAL_DOWNLOAD_LIMIT="1000000 per minute",
            # No page cache: the public map is measured as worked out, not as kept.
            PORTAL_PAGE_CACHE_TIMEOUT="0",
        )
        from portal.aggregates.summary import aggregate
        from portal.extensions import db
        from portal.projects.queries import ProjectFilters

        runs = {"requests": args.requests, "warmup": args.warmup}
        results = []
        with app.app_context():
            counter = StatementCounter(db.engine)
            for label, filters, years in (
                ("aggregate by province", ProjectFilters(), (None, None)),
                ("aggregate by province, sector 122", ProjectFilters(sector="122"), (None, None)),
                (
                    "aggregate by province, 2020-2024",
                    ProjectFilters(year_from=2020, year_to=2024),
                    (2020, 2024),
                ),
            ):
                results.append(
                    measure(
                        label,
                        AGGREGATE_P95_MS,
                        lambda f=filters, y=years: aggregate(
                            None, f, "province", year=y[0], year_to=y[1]
                        ),
                        counter,
                        after=db.session.rollback,
                        **runs,
                    )
                )
            db.session.remove()
        client = app.test_client()
        for label, page, target in PAGES:
            results.append(measure(label, target, lambda p=page: get(client, p), counter, **runs))
        with app.app_context():
            counter.close()
            db.engine.dispose()
    ok = report(f"{backend}, {args.size} projects", results)
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    command = parser(__doc__.splitlines()[0])
    command.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    args = command.parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
