"""Benchmark the annual country report on the 10,000-project demo.

    python tests/benchmarks/bench_report.py [--backend sqlite|postgresql|both] [--size 10000]
                                            [--runs 3]

Builds a fresh database per backend (SQLite file; PostgreSQL database portal_bench_report),
loads the demo with `size` projects, then, for the annual country report (all sections,
English, and once in Khmer), times in one run:
- the whole generation (queries, templates, weasyprint), as the worker does it;
- weasyprint alone, rendering the same finished HTML with the same stylesheets;
and measures the peak memory of a fresh process generating the report from the command line.
Targets: whole / weasyprint-alone at most 1.3; peak memory under 600 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "portal_bench_report"
RATIO_TARGET = 1.3
MEMORY_TARGET_MB = 600
YEAR = 2024


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'report.db'}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)


def peak_memory_mb(url: str, language: str, out: Path) -> tuple[float, str]:
    """Generate the report in a fresh process (the command line) and return its peak RSS."""
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_ENV": "development"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "portal",
            "report",
            "build",
            "--year",
            str(YEAR),
            "--lang",
            language,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far (KiB on Linux): it only grows.
    return max(peak, before) / 1024, result.stdout.strip()


def run(backend: str, size: int, runs: int) -> list[tuple[str, str, bool | None]]:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.services import build_demo
    from portal.extensions import db
    from portal.reports import content, render, services
    from portal.reports.params import ReportParams

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url(backend, Path(tmp))
        app = create_app(TestConfig(url))
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            build_demo(project_count=size)
            db.session.commit()
            print(
                f"{backend}: demo of {size} projects built in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            for language in ("en", "km"):
                params = ReportParams(year=YEAR, language=language)
                wholes, alones, pages = [], [], 0
                for _ in range(runs):
                    started = time.perf_counter()
                    built = services.build(params)
                    wholes.append(time.perf_counter() - started)
                    pages = built.pages
                    # Weasyprint alone, on the same finished HTML and stylesheets.
                    data = content.collect(params)
                    html = render.render_html(params, data, for_pdf=True)
                    font_config = FontConfiguration()
                    sheets = render.stylesheets(params, data, font_config)
                    started = time.perf_counter()
                    HTML(string=html, base_url=str(Path(app.static_folder))).render(
                        stylesheets=sheets, font_config=font_config
                    ).write_pdf()
                    alones.append(time.perf_counter() - started)
                whole, alone = statistics.median(wholes), statistics.median(alones)
                ratio = whole / alone
                results.append((f"{language}: pages", str(pages), None))
                results.append(
                    (f"{language}: whole generation (median of {runs})", f"{whole:.2f} s", None)
                )
                results.append(
                    (f"{language}: weasyprint alone (median of {runs})", f"{alone:.2f} s", None)
                )
                results.append(
                    (f"{language}: ratio whole / weasyprint", f"{ratio:.2f}", ratio <= RATIO_TARGET)
                )
            db.session.remove()
            db.engine.dispose()
        for language in ("en", "km"):
            memory, line = peak_memory_mb(url, language, Path(tmp) / f"report-{language}.pdf")
            print(f"  {line}")
            results.append(
                (
                    f"{language}: peak memory of a fresh process",
                    f"{memory:.0f} MB",
                    memory < MEMORY_TARGET_MB,
                )
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    for backend in backends:
        print(f"\n{backend}, {args.size} projects, annual country report {YEAR}")
        for name, value, passed in run(backend, args.size, args.runs):
            if passed is not None:
                ok &= passed
            verdict = "" if passed is None else ("PASS" if passed else "FAIL")
            print(f"{name:50} {value:>10}  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
