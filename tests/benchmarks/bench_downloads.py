"""Benchmark the public whole-database downloads: made once, then served from the file, or 304.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_downloads.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--rebuild]

On a fresh copy of the demo database (tests/benchmarks/common.py) with the portal started as
app.py starts it, times as an anonymous visitor each whole-database download (the project list
as CSV and XLSX, the map's table, the IATI XML): made afresh (the cache folder emptied before
each run), served from the file made before, and revalidated with its ETag (304). Then the
IATI XML as CDC gets it (streamed, never cached): its time, then in a second run the peak of
the Python memory the streaming took (tracemalloc, which slows it down) against the size of
the document.

Targets: a download served from its file or revalidated costs at most a tenth of making it (or
20 ms where making it is quicker than 200 ms), and under 300 ms p95; streaming the IATI XML
holds at most half the document in memory (a document built whole holds all of it, and more):
one chunk of projects at a time, whatever the size of the database.
"""

from __future__ import annotations

import shutil
import sys
import time
import tracemalloc
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

DOWNLOADS = [
    ("project list CSV", "/projects/export.csv"),
    ("project list XLSX", "/projects/export.xlsx"),
    ("map table CSV", "/map/export.csv"),
    ("IATI XML", "/iati/export.xml"),
]
SERVED_P95_MS = 300
SERVED_SHARE = 0.10
SERVED_FLOOR_MS = 20
STREAM_MEMORY_SHARE = 0.50


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; {load_average()}", flush=True)
    ok = True
    with demo_copy(backend, args, "downloads") as url:
        app = served_app(
            url, args.cache_dir / "instance", PORTAL_DOWNLOAD_LIMIT="1000000 per minute"
        )
        from portal.extensions import db

        folder = Path(app.config["DOWNLOAD_CACHE_DIR"])
        shutil.rmtree(folder, ignore_errors=True)
        with app.app_context():
            counter = StatementCounter(db.engine)
        client = app.test_client()
        made_runs = {"requests": max(3, args.requests // 10), "warmup": 1}
        runs = {"requests": args.requests, "warmup": args.warmup}
        results = []
        for label, path in DOWNLOADS:

            def emptied():
                shutil.rmtree(folder, ignore_errors=True)

            made = measure(
                f"{label}: made", None, lambda p=path: get(client, p), counter,
                after=emptied, **made_runs,
            )  # fmt: skip
            get(client, path)
            served = measure(
                f"{label}: from its file",
                min(SERVED_P95_MS, max(SERVED_FLOOR_MS, made.p50 * SERVED_SHARE)),
                lambda p=path: get(client, p),
                counter,
                **runs,
            )
            tag = client.get(path).headers["ETag"]

            def revalidate(p=path, t=tag):
                response = client.get(p, headers={"If-None-Match": t})
                if response.status_code != 304:
                    raise SystemExit(f"GET {p} with its ETag answered {response.status_code}")

            again = measure(
                f"{label}: 304",
                min(SERVED_P95_MS, max(SERVED_FLOOR_MS, made.p50 * SERVED_SHARE)),
                revalidate,
                counter,
                **runs,
            )
            results += [made, served, again]
        ok = report(f"{backend}, {args.size} projects, anonymous", results) and ok

        cdc = logged_in(app, "cdc@demo.example")

        def streamed() -> int:
            response = cdc.get("/iati/export.xml", buffered=False)
            size = sum(len(chunk) for chunk in response.response)
            response.close()
            return size

        started = time.perf_counter()
        size = streamed()
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        streamed()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        share = peak / size
        verdict = "PASS" if share <= STREAM_MEMORY_SHARE else "FAIL"
        ok = ok and verdict == "PASS"
        print(
            f"\nIATI XML as CDC, streamed: {size / 1e6:.1f} MB in {elapsed:.1f} s; peak Python "
            f"memory {peak / 1e6:.1f} MB = {share:.0%} of the document "
            f"(target <= {STREAM_MEMORY_SHARE:.0%}) {verdict}"
        )
        with app.app_context():
            counter.close()
            db.engine.dispose()
    print(f"{backend}: done; {load_average()}", flush=True)
    return ok


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
