"""Benchmark the district map on demo data: aggregates by district and commune, pages, SVG, CSV.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_districts.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (see tests/benchmarks/common.py), where a third of the
locations that name a district are moved to one of its communes (the demo names none), and the
portal started as app.py starts it with the real province and 2014 district boundaries (from
the shared data folder), times as the public: the aggregate service by district and by commune
(the functions themselves), the national district page, a province's district page, the map
document (iframe), the SVG and the CSV. It prints p50/p95 in ms, the SQL statements of each,
and PASS/FAIL against the issue's target: the district map under 500 ms p95.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, text  # noqa: E402

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

GEO = ROOT.parent / "shared" / "data" / "geo"
PROVINCES = GEO / "khm-adm1-provinces.geojson"
DISTRICTS = GEO / "khm-adm2-districts.geojson"
PAGE_P95_MS = 500  # the target for the district map
AGGREGATE_P95_MS = 150
PAGES = [
    ("district page, national", "/map/districts/"),
    (
        "district page, disbursed 2020-24",
        "/map/districts/?measure=disbursed&year_from=2020&year_to=2024",
    ),
    ("district page, Siem Reap", "/map/districts/?area=17"),
    ("district page, Phnom Penh, sector 122", "/map/districts/?area=12&sector=122"),
    ("district document (iframe), national", "/map/districts/frame"),
    ("district document (iframe), Siem Reap", "/map/districts/frame?area=17"),
    ("district SVG, national", "/map/districts/map.svg"),
    ("district CSV, Siem Reap", "/map/districts/export.csv?area=17"),
    ("province page 17 (with communes)", "/map/province/17"),
]


def add_communes(url: str) -> int:
    """Move a third of the district locations to their district's first commune."""
    engine = create_engine(url)
    with engine.begin() as connection:
        moved = connection.execute(
            text(
                "UPDATE project_location SET commune_code = (SELECT min(c.code) FROM commune c"
                " WHERE c.district_code = project_location.district_code)"
                " WHERE district_code IS NOT NULL AND id % 3 = 0"
            )
        ).rowcount
    engine.dispose()
    return moved


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "districts") as url:
        print(f"  {add_communes(url)} locations moved to a commune", flush=True)
        app = served_app(
            url,
            args.cache_dir / "instance",
            PORTAL_BOUNDARIES_FILE=str(PROVINCES if PROVINCES.is_file() else ""),
            PORTAL_DISTRICT_BOUNDARIES_FILE=str(DISTRICTS if DISTRICTS.is_file() else ""),
            # The repeated CSV downloads would pass an address's budget (429).
            PORTAL_DOWNLOAD_LIMIT="1000000 per minute",
            # No page cache: the public district map is measured as worked out, not as kept.
            PORTAL_PAGE_CACHE_TIMEOUT="0",
        )
        from portal.aggregates.summary import aggregate
        from portal.extensions import db
        from portal.mapping import district_map
        from portal.projects.queries import ProjectFilters

        runs = {"requests": args.requests, "warmup": args.warmup}
        results = []
        with app.app_context():
            counter = StatementCounter(db.engine)
            matching = district_map.current_matching()
            print(
                f"  districts: {len(matching.matches)} matched, {len(matching.unmatched)}"
                f" features unmatched, {len(matching.missing)} without a shape",
                flush=True,
            )
            for label, dimension, filters in (
                ("aggregate by district", "district", ProjectFilters()),
                ("aggregate by commune", "commune", ProjectFilters()),
                ("aggregate by district, sector 122", "district", ProjectFilters(sector="122")),
            ):
                results.append(
                    measure(
                        label,
                        AGGREGATE_P95_MS,
                        lambda d=dimension, f=filters: aggregate(None, f, d),
                        counter,
                        after=db.session.rollback,
                        **runs,
                    )
                )
            db.session.remove()
        client = app.test_client()
        for label, page in PAGES:
            results.append(
                measure(label, PAGE_P95_MS, lambda p=page: get(client, p), counter, **runs)
            )
        with app.app_context():
            counter.close()
            db.engine.dispose()
    ok = report(f"{backend}, {args.size} projects", results)
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    command = parser(__doc__.splitlines()[0])
    args = command.parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
