"""Benchmark the reporting round on demo data: its pages, the checklist, the freeze, the report.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_round.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (see tests/benchmarks/common.py; the demo has two closed
rounds and one open round), with the portal started as app.py starts it, times after a warm-up:

- the round's page (CDC's cockpit) of the open round, and of the latest closed round (which
  also works out predictability): p95 < 300 ms;
- the checklist of the partner with the most projects in the open round (at least 500 at the
  default size): the page, p95 < 400 ms; and the whole checklist as a workbook (information);
- closing the open round (the snapshot of every project it concerns, one transaction), and a
  snapshot of every project of the database: < 30 s;
- the joint review PDF built from the latest closed round against the same report from live
  data: at most 1.1 times as long (median of three builds each).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select, true  # noqa: E402

from tests.benchmarks.common import (  # noqa: E402
    Measure,
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

CDC_EMAIL = "cdc@demo.example"
PAGE_P95_MS = 300
CHECKLIST_P95_MS = 400
CLOSE_S = 30
REPORT_RATIO = 1.1
REPORT_SECTIONS = (
    "key_figures",
    "partners",
    "sectors",
    "provinces",
    "assistance",
    "trend",
    "alignment",
    "reconciliation",
    "quality",
    "methodology",
)


CHECKLIST_SIZE = 500


def grow_busiest(open_round, busiest: int, count: int) -> int:
    """Give the busiest partner other partners' projects of the round up to CHECKLIST_SIZE."""
    from sqlalchemy import update

    from portal.extensions import db
    from portal.projects.models import Project
    from portal.rounds import services

    missing = CHECKLIST_SIZE - count
    if missing <= 0:
        return count
    moved = list(
        db.session.scalars(
            select(Project.id)
            .where(services.concerned(open_round), Project.reporting_org_id != busiest)
            .order_by(Project.id)
            .limit(missing)
        )
    )
    db.session.execute(
        update(Project).where(Project.id.in_(moved)).values(reporting_org_id=busiest)
    )
    db.session.commit()
    return count + len(moved)


def facts() -> dict:
    """The rounds of the demo, and the partner with the most projects in the open round
    (given more, up to 500, on this copy of the demo when it has fewer)."""
    from portal.accounts.models import Role, User
    from portal.extensions import db
    from portal.projects.models import Project
    from portal.rounds import services

    open_round = services.current_open()
    closed = [r for r in services.all_rounds() if not r.is_open]
    busiest, count = db.session.execute(
        select(Project.reporting_org_id, func.count())
        .where(services.concerned(open_round))
        .group_by(Project.reporting_org_id)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    count = grow_busiest(open_round, busiest, count)
    email = db.session.scalar(
        select(User.email).where(User.organization_id == busiest, User.role == Role.DP)
    )
    return {
        "open": open_round.year,
        "closed": closed[0].year,
        "concerned": db.session.scalar(
            select(func.count()).select_from(Project).where(services.concerned(open_round))
        ),
        "projects": db.session.scalar(select(func.count()).select_from(Project)),
        "busiest": busiest,
        "busiest_count": count,
        "busiest_email": email,
    }


def partner_client(app, organization_id: int, email: str | None):
    """A logged-in focal point of the busiest partner (an account is made when it has none)."""
    if email is None:
        from portal.accounts.models import Role
        from portal.accounts.services import AccountData, create_user
        from portal.extensions import db
        from portal.organizations.models import Organization

        email = "bench-partner@demo.example"
        with app.app_context():
            organization = db.session.get(Organization, organization_id)
            create_user(
                AccountData(email=email, name="Bench", organization=organization, role=Role.DP),
                "demo-portal-2026",
            )
            db.session.commit()
            db.session.remove()
    return logged_in(app, email)


def timed_close(app, year: int) -> tuple[Measure, Measure, int, int]:
    """Close the open round (committed), then snapshot every project (rolled back)."""
    from portal.extensions import db
    from portal.rounds import freeze, services
    from portal.rounds.models import ReportingRound

    with app.app_context():
        round_ = services.by_year(year)
        started = time.perf_counter()
        frozen = freeze.close(round_, actor=None)
        db.session.commit()
        close_s = time.perf_counter() - started
        whole = ReportingRound(year=1999, deadline=round_.deadline)
        db.session.add(whole)
        db.session.flush()
        started = time.perf_counter()
        everything = freeze._take(whole, true())
        db.session.flush()
        whole_s = time.perf_counter() - started
        db.session.rollback()
        db.session.remove()
    close = Measure(f"close the open round ({frozen} projects)", CLOSE_S * 1000)
    close.add(close_s * 1000, 0, 0)
    snapshot = Measure(f"snapshot of all {everything} projects", CLOSE_S * 1000)
    snapshot.add(whole_s * 1000, 0, 0)
    return close, snapshot, frozen, everything


def report_times(app, year: int) -> tuple[float, float]:
    """Median seconds of three builds: from the closed round, and from live data."""
    from portal.extensions import db
    from portal.reports import services
    from portal.reports.params import ReportParams

    times = {"round": [], "live": []}
    with app.app_context():
        for _ in range(3):
            for name, params in (
                ("round", ReportParams(year=year, round_year=year, sections=REPORT_SECTIONS)),
                ("live", ReportParams(year=year, sections=REPORT_SECTIONS)),
            ):
                started = time.perf_counter()
                services.build(params)
                times[name].append(time.perf_counter() - started)
                db.session.remove()
    return statistics.median(times["round"]), statistics.median(times["live"])


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "round") as url:
        app = served_app(url, args.cache_dir / "instance")
        from portal.extensions import db

        with app.app_context():
            found = facts()
            counter = StatementCounter(db.engine)
            db.session.remove()
        cdc = logged_in(app, CDC_EMAIL)
        partner = partner_client(app, found["busiest"], found["busiest_email"])
        runs = {"requests": args.requests, "warmup": args.warmup}
        year, closed = found["open"], found["closed"]
        results = [
            measure(
                f"round page, open round {year}",
                PAGE_P95_MS,
                lambda: get(cdc, f"/rounds/{year}/"),
                counter,
                **runs,
            ),
            measure(
                f"round page, closed round {closed}",
                PAGE_P95_MS,
                lambda: get(cdc, f"/rounds/{closed}/"),
                counter,
                **runs,
            ),
            measure(
                f"checklist page ({found['busiest_count']} projects)",
                CHECKLIST_P95_MS,
                lambda: get(partner, f"/rounds/{year}/checklist"),
                counter,
                **runs,
            ),
            measure(
                "checklist workbook (.xlsx, all)",
                None,
                lambda: get(partner, f"/rounds/{year}/checklist.xlsx"),
                counter,
                requests=3,
                warmup=1,
            ),
        ]
        round_s, live_s = report_times(app, closed)
        close, snapshot, frozen, everything = timed_close(app, year)
        results += [close, snapshot]
        with app.app_context():
            counter.close()
            db.session.remove()
            db.engine.dispose()
    ok = report(f"{backend}, {args.size} projects", results)
    ratio = round_s / live_s
    verdict = "PASS" if ratio <= REPORT_RATIO else "FAIL"
    print(
        f"\njoint review {closed}: from the round {round_s:.2f} s, from live data {live_s:.2f} s "
        f"(ratio {ratio:.2f}, target <= {REPORT_RATIO}) {verdict}"
    )
    print(
        f"{found['projects']} projects; the open round {year} concerns {found['concerned']}; "
        f"the busiest partner has {found['busiest_count']} of them"
    )
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok and ratio <= REPORT_RATIO


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
