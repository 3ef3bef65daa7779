"""Benchmark the annual joint review at several sizes of the demo: its pages, time and memory.

    python tests/benchmarks/bench_report.py [--backend sqlite|postgresql] [--sizes 1000,10000]
                                            [--database SIZE=URL ...]

For each size the demo database comes from the benchmarks' cache (tests/benchmarks/common.py:
built once with the portal's command line, copied for each run), or from `--database`: an
already built demo (brought to the latest migration first; the report only reads it). A fresh
process then generates the annual country report (every section, internal edition, English,
then Khmer) from the command line, as the worker would: its page count, the generation's time
(collect, template and workbook, weasyprint), the process's wall and CPU time and its peak
memory. The PDF's attachment (the workbook of the complete lists) is read back with pdfdetach.

Targets (issue 23, at 100,000 projects on PostgreSQL): generation < 15 s (checked on the wall
clock, and on the process's CPU time, which a loaded machine does not lengthen) and peak memory
< 400 MB; the page count at 100,000 within 20 % of the count at 10,000. When the largest size
measured is smaller, the time and memory targets are checked there and the output says so.
Every figure is printed with the load average at the time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import common  # noqa: E402

YEAR = 2024
TIME_TARGET_S = 15.0
MEMORY_TARGET_MB = 400
PAGES_GROWTH = 0.20
TARGET_SIZE = 100_000
TIMINGS = re.compile(r"(\d+) pages, [\d,]+ bytes \((.*)\)")
# The command line in a process that reports its own peak memory (KiB) when it ends.
MEASURED = (
    "import resource, runpy, sys\n"
    "sys.argv = ['flask', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('flask', run_name='__main__')\n"
    "finally:\n"
    "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    cpu = usage.ru_utime + usage.ru_stime\n"
    "    print(f'peak-rss-kib {usage.ru_maxrss} cpu-s {cpu:.2f}', file=sys.stderr)\n"
)
PEAK = re.compile(r"peak-rss-kib (\d+) cpu-s ([\d.]+)")


def _environment(url: str, instance: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "benchmark-only",
        "PORTAL_ENV": "development",
    }


def generate(url: str, language: str, out: Path, instance: Path) -> dict:
    """Generate the annual report in a fresh process; its pages, times and peak memory."""
    arguments = ["--app", "app", "portal", "report", "build", "--year", str(YEAR)]
    arguments += ["--lang", language, "--out", str(out)]
    load = common.load_average()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *arguments],
        cwd=ROOT,
        env=_environment(url, instance),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"the report could not be generated ({done.returncode})")
    measured = PEAK.search(done.stderr)
    if measured is None:
        raise SystemExit(f"the process reported no peak memory: {done.stderr[-2000:]}")
    peak, cpu = int(measured.group(1)), float(measured.group(2))
    found = TIMINGS.search(done.stdout)
    if found is None:
        raise SystemExit(f"unexpected output: {done.stdout}")
    parts = dict(
        (name.strip(), float(seconds))
        for name, seconds in re.findall(r"([a-z ]+) ([\d.]+) s", found.group(2))
    )
    listing = subprocess.run(
        ["pdfdetach", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    return {
        "pages": int(found.group(1)),
        "generation": sum(parts.values()),
        "parts": parts,
        "wall": wall,
        # The process's own CPU time (start-up included): on a loaded machine the wall time
        # also counts what the other processes took.
        "cpu": cpu,
        "memory_mb": peak / 1024,
        "attachments": [line.split(": ", 1)[1] for line in listing.splitlines()[1:]],
        "size_kb": out.stat().st_size / 1024,
        "load": load,
    }


@contextmanager
def prebuilt(url: str, instance: Path):
    """An already built demo database, brought to the latest migration."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=_environment(url, instance),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit("the given database could not be upgraded")
    yield url


def main(argv: list[str] | None = None) -> int:
    parser = common.parser(__doc__ or "")
    parser.set_defaults(backend="postgresql")
    parser.add_argument("--sizes", default="1000,10000", help="demo sizes, comma-separated")
    parser.add_argument(
        "--database",
        action="append",
        default=[],
        metavar="SIZE=URL",
        help="use this already built demo database for SIZE (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.backend == "both":
        raise SystemExit("choose one backend: the page counts are compared within it")
    given = dict(item.split("=", 1) for item in args.database)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {int(s) for s in given})
    print(f"annual joint review {YEAR}, {args.backend}; {common.load_average()}")
    results: dict[int, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="portal-bench-report-") as folder:
        instance = Path(folder) / "instance"
        for size in sizes:
            with ExitStack() as stack:
                if str(size) in given:
                    url = stack.enter_context(prebuilt(given[str(size)], instance))
                else:
                    args.size = size
                    url = stack.enter_context(common.demo_copy(args.backend, args, "report"))
                results[size] = {}
                for language in ("en", "km"):
                    out = Path(folder) / f"report-{size}-{language}.pdf"
                    run = generate(url, language, out, instance)
                    results[size][language] = run
                    parts = ", ".join(f"{k} {v:.1f} s" for k, v in run["parts"].items())
                    print(
                        f"{size:>7,} projects, {language}: {run['pages']:>4} pages, "
                        f"{run['size_kb']:,.0f} KB, generation {run['generation']:.1f} s "
                        f"({parts}), process {run['wall']:.1f} s (CPU {run['cpu']:.1f} s), peak "
                        f"{run['memory_mb']:.0f} MB; attached "
                        f"{', '.join(run['attachments']) or 'nothing'}; {run['load']}",
                        flush=True,
                    )
    ok = True

    def check(name: str, value: str, passed: bool) -> None:
        nonlocal ok
        ok &= passed
        print(f"{name:<72}{value:>16}  {'PASS' if passed else 'FAIL'}")

    print(f"\nchecks ({common.load_average()})")
    largest = max(sizes)
    for language in ("en", "km"):
        if 10_000 in results and TARGET_SIZE in results:
            ten = results[10_000][language]["pages"]
            hundred = results[TARGET_SIZE][language]["pages"]
            check(
                f"{language}: pages at 100,000 within 20 % of 10,000 ({hundred} / {ten})",
                f"{100 * (hundred - ten) / ten:+.1f} %",
                abs(hundred - ten) <= PAGES_GROWTH * ten,
            )
        elif len(sizes) > 1:
            small, large = results[sizes[0]][language]["pages"], results[largest][language]["pages"]
            check(
                f"{language}: pages at {largest:,} within 20 % of {sizes[0]:,} ({large} / {small})",
                f"{100 * (large - small) / small:+.1f} %",
                abs(large - small) <= PAGES_GROWTH * small,
            )
        run = results[largest][language]
        where = "" if largest == TARGET_SIZE else f" (target set for 100,000; at {largest:,})"
        check(
            f"{language}: generation < {TIME_TARGET_S:g} s{where}",
            f"{run['generation']:.1f} s",
            run["generation"] < TIME_TARGET_S,
        )
        # The same target on the process's own CPU time (start-up included), which the other
        # processes of a loaded machine do not lengthen.
        check(
            f"{language}: CPU time of the generating process < {TIME_TARGET_S:g} s{where}",
            f"{run['cpu']:.1f} s",
            run["cpu"] < TIME_TARGET_S,
        )
        check(
            f"{language}: peak memory < {MEMORY_TARGET_MB} MB{where}",
            f"{run['memory_mb']:.0f} MB",
            run["memory_mb"] < MEMORY_TARGET_MB,
        )
        check(
            f"{language}: the workbook of complete lists is attached at {largest:,}",
            str(len(run["attachments"])),
            len(run["attachments"]) == 1,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
