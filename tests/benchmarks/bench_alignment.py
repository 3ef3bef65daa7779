"""Benchmark the alignment workflow on demo data: inbox, pipeline and a transition.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_alignment.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (see tests/benchmarks/common.py: built once by the
portal's command line, then copied; the demo gives its projects their workflow history), with
the portal started as app.py starts it (CSRF on: the forms' tokens are sent), times after a
warm-up:

- the ministry inbox, GET /alignment/inbox, logged in as moh@demo.example;
- the CDC pipeline, GET /alignment/pipeline, logged in as cdc@demo.example;
- a transition: POST /alignment/projects/<id>/step/submit as jica@demo.example, each request
  on a different draft project of JICA, then GET of the project page it redirects to. The
  POST, the redirected GET and the two together are reported separately.

It prints p50/p95 in ms, the SQL statements each request runs, and PASS/FAIL against the
targets below; then the time of each query the two pages run, to show where the time goes.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select, text  # noqa: E402

from tests.benchmarks.common import (  # noqa: E402
    Measure,
    StatementCounter,
    csrf_token,
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

MINISTRY_EMAIL = "moh@demo.example"
CDC_EMAIL = "cdc@demo.example"
PARTNER_EMAIL = "jica@demo.example"
# Targets (p95).
PAGE_P95_MS = 150
TRANSITION_P95_MS = 100


def facts() -> dict:
    """What the timed pages work on: MOH's waiting items, JICA's drafts, the whole pipeline."""
    from portal.alignment import queries
    from portal.alignment.models import GovernmentFigure, WorkflowTransition
    from portal.extensions import db
    from portal.organizations.services import by_acronym
    from portal.projects.models import Project

    moh, jica = by_acronym("MOH"), by_acronym("JICA")
    inbox = queries.inbox(moh.id, 30)
    drafts = list(
        db.session.scalars(
            select(Project.id)
            .where(Project.reporting_org_id == jica.id, Project.workflow_state == "draft")
            .order_by(Project.id)
        )
    )
    return {
        "projects": db.session.scalar(select(func.count()).select_from(Project)),
        "transitions": db.session.scalar(select(func.count()).select_from(WorkflowTransition)),
        "figures": db.session.scalar(select(func.count()).select_from(GovernmentFigure)),
        "states": queries.state_counts(),
        "moh_waiting": len(inbox),
        "moh_overdue": sum(1 for row in inbox if row["overdue"]),
        "jica_drafts": drafts,
    }


def profile(counter: StatementCounter, repeat: int = 5) -> list[tuple[str, float, int]]:
    """The median time and statements of each query the inbox and the pipeline run."""
    from portal.alignment import queries, services
    from portal.extensions import db
    from portal.organizations.services import by_acronym

    moh_id = by_acronym("MOH").id
    parts = [
        ("inbox: queries.inbox(MOH)", lambda: queries.inbox(moh_id, 30)),
        ("pipeline: state_counts", queries.state_counts),
        ("pipeline: stuck_longest", queries.stuck_longest),
        ("pipeline: disputed_figures", queries.disputed_figures),
        ("pipeline: scorecards (both sides)", queries.scorecards),
        ("pipeline: service_standard_days", services.service_standard_days),
    ]
    results = []
    for name, call in parts:
        times, statements = [], 0
        for _ in range(repeat):
            db.session.expire_all()
            counter.reset()
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
            statements = counter.count
        results.append((name, statistics.median(times), statements))
    return results


def transitions(partner, counter: StatementCounter, drafts: list[int]) -> list[Measure]:
    """Submit each draft (POST), then follow the redirect (GET); time both."""
    post = Measure("submit: POST", None)
    follow = Measure("submit: redirected GET", None)
    both = Measure("submit: POST + redirect", TRANSITION_P95_MS)
    token = csrf_token(partner)
    for project_id in drafts:
        counter.reset()
        started, cpu = time.perf_counter(), time.process_time()
        response = partner.post(
            f"/alignment/projects/{project_id}/step/submit",
            data={"comment": "", "csrf_token": token},
        )
        response.get_data()
        post_ms = (time.perf_counter() - started) * 1000
        post_cpu = (time.process_time() - cpu) * 1000
        post_statements = counter.count
        if response.status_code != 302:
            raise SystemExit(f"submitting project {project_id} answered {response.status_code}")
        location = response.headers["Location"]
        counter.reset()
        started, cpu = time.perf_counter(), time.process_time()
        get(partner, location)
        get_ms = (time.perf_counter() - started) * 1000
        get_cpu = (time.process_time() - cpu) * 1000
        post.add(post_ms, post_statements, post_cpu)
        follow.add(get_ms, counter.count, get_cpu)
        both.add(post_ms + get_ms, post_statements + counter.count, post_cpu + get_cpu)
    return [post, follow, both]


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    with demo_copy(backend, args, "alignment") as url:
        app = served_app(url, args.cache_dir / "instance")
        from portal.extensions import db

        with app.app_context():
            found = facts()
            counter = StatementCounter(db.engine)
            db.session.remove()
        drafts = found["jica_drafts"]
        needed = args.warmup + args.requests
        if len(drafts) < needed:
            raise SystemExit(f"JICA has {len(drafts)} draft projects; {needed} are needed")
        ministry, cdc = logged_in(app, MINISTRY_EMAIL), logged_in(app, CDC_EMAIL)
        partner = logged_in(app, PARTNER_EMAIL)
        runs = {"requests": args.requests, "warmup": args.warmup}
        results = [
            measure(
                "ministry inbox (MOH)",
                PAGE_P95_MS,
                lambda: get(ministry, "/alignment/inbox"),
                counter,
                **runs,
            ),
            measure(
                "CDC pipeline",
                PAGE_P95_MS,
                lambda: get(cdc, "/alignment/pipeline"),
                counter,
                **runs,
            ),
        ]
        transitions(partner, counter, drafts[: args.warmup])  # warm-up
        results += transitions(partner, counter, drafts[args.warmup : needed])
        with app.app_context():
            submitted = db.session.scalar(
                text(
                    "SELECT count(*) FROM project WHERE workflow_state = 'submitted' "
                    f"AND id IN ({','.join(str(i) for i in drafts[:needed])})"
                )
            )
            parts = profile(counter)
            counter.close()
            db.session.remove()
            db.engine.dispose()
        if submitted != needed:
            raise SystemExit(f"only {submitted} of the {needed} drafts were submitted")
    ok = report(f"{backend}, {args.size} projects", results)
    states = ", ".join(f"{k} {v}" for k, v in sorted(found["states"].items()))
    print(
        f"\n{found['projects']} projects ({states}); {found['transitions']} transitions, "
        f"{found['figures']} government figures; MOH inbox {found['moh_waiting']} waiting "
        f"({found['moh_overdue']} overdue); JICA drafts {len(drafts)}"
    )
    print(f"\n{'query (median of 5, in the app context)':<44}{'ms':>9}{'SQL':>6}")
    for name, ms, statements in parts:
        print(f"{name:<44}{ms:>9.1f}{statements:>6}")
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
