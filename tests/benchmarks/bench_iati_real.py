"""Benchmark the IATI import and export with real activities, at the size of whole publisher files.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_iati_real.py [--backend sqlite|postgresql|both]
        [--activities 13200] [--export 10000] [--runs 1] [--share 0.03]

The files are built at run time, in a temporary folder, from the real activities of the shared
reference data (`PORTAL_DATA_DIR`, default `../shared/data`): the 96 Cambodian activities of
`iati/kh-activities-2021.xml` and the whole multi-country d-portal answers of `iati/world/`.
Each real activity is repeated with a varied identifier (`-R0001`, `-R0002`, ... added to its
identifier and to the identifiers it relates to), a varied title (`(R0001)` added) and varied
amounts (every value multiplied by a factor between 0.80 and 1.20, fixed by the repetition and
the value's place), in files of 1,100 activities each. The mix of activities for Cambodia and
for other countries is the world files' own (9 of their 300 name Cambodia), spread evenly, unless
`--share` gives another.

Measured, each in a child process of its own (the memory figure is the child's peak resident
size, VmHWM, which counts lxml's memory too; for the export, the peak while exporting):
- the import as the pages do it, on a fresh database: parse and keep the batch, preview it
  (every rule checked) from the stored batch, write it (confirm); wall time of each step, the
  peak after each, and the size of the batch's stored JSON;
- the export of every project to IATI XML, as the download streams it and by the command line
  (`flask portal iati export --out`), once the database holds 2,000 projects and once it holds
  `--export`: they come from the Cambodian activities, repeated as above and imported in
  batches of 2,000.
With `--runs N` each measure is taken N times and the medians are printed. Targets (the
issue's): the import under 30 s and 600 MB on SQLite; the export of 10,000 projects under
10 s, with a peak that does not grow with the number of projects (within 5 % of the one for
2,000).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DATA = Path(os.environ.get("PORTAL_DATA_DIR", ROOT.parent / "shared" / "data")) / "iati"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DATABASE = "portal_bench_iati_real"
PER_FILE = 1_100  # activities in one built file
IMPORT_BATCH = 2_000  # Cambodian activities imported at once to fill the database for export
EXPORT_WAYS = ("download", "command")
SQLITE_DEFAULT_CACHE_KB = 2000  # SQLite's own default page cache
IMPORT_S = 30.0
IMPORT_MB = 600.0
EXPORT_S = 10.0
EXPORT_GROWTH = 0.05  # the peak at --export projects may exceed the one at 2,000 by this much
DEFAULT_LEAD = "MEF"


# --- the files ---------------------------------------------------------------------------


def _names_cambodia(activity) -> bool:
    return bool(
        activity.xpath('recipient-country[@code="KH"]|transaction/recipient-country[@code="KH"]')
    )


def _identifier(activity) -> str:
    return (activity.findtext("iati-identifier") or "").strip()


def real_activities() -> tuple[list, list, float]:
    """The real activities for Cambodia (the KH file and the world files', once each), those
    for elsewhere (the world files'), and the share of Cambodian ones in the world files."""
    cambodian, others, seen = [], [], set()
    world_cambodian = world_total = 0
    sources = [DATA / "kh-activities-2021.xml", *sorted((DATA / "world").glob("*.xml"))]
    for path in sources:
        in_world = path.parent.name == "world"
        for activity in etree.parse(str(path)).getroot().iterchildren("iati-activity"):
            named = _names_cambodia(activity)
            if in_world:
                world_total += 1
                world_cambodian += named
            if not named:
                others.append(activity)
            elif _identifier(activity) not in seen:
                seen.add(_identifier(activity))
                cambodian.append(activity)
    return cambodian, others, world_cambodian / world_total


def _varied_amount(text_value: str, factor: Decimal) -> str:
    try:
        value = Decimal(text_value.strip())
    except InvalidOperation:
        return text_value
    if not value.is_finite():
        return text_value
    return f"{(value * factor).quantize(Decimal('0.01')):f}"


def varied(activity, repetition: int):
    """A copy of a real activity with its identifiers, titles and amounts varied."""
    suffix = f"-R{repetition:04d}"
    copy = etree.fromstring(etree.tostring(activity))
    identifier = copy.find("iati-identifier")
    identifier.text = _identifier(copy) + suffix
    for related in copy.iterchildren("related-activity"):
        if (related.get("ref") or "").strip():
            related.set("ref", related.get("ref").strip() + suffix)
    for narrative in copy.iterfind("title/narrative"):
        if narrative.text:
            narrative.text = f"{narrative.text.strip()} (R{repetition:04d})"
    for place, value in enumerate(copy.iter("value")):
        if value.text:
            factor = Decimal(80 + (repetition * 7 + place * 13) % 41) / 100
            value.text = _varied_amount(value.text, factor)
    return copy


def build_files(
    folder: Path, total: int, share: float, pools: tuple[list, list], per_file: int = PER_FILE
) -> dict:
    """Files of `total` activities, `share` of them Cambodian (spread evenly), `per_file` each."""
    cambodian, others = pools
    folder.mkdir(parents=True, exist_ok=True)
    taken = {"cambodian": 0, "others": 0}
    paths, current = [], []

    def flush() -> None:
        path = folder / f"publisher-{len(paths) + 1:03d}.xml"
        root = etree.Element(
            "iati-activities", version="2.03", **{"generated-datetime": "2021-06-15T00:00:00Z"}
        )
        root.extend(current)
        etree.ElementTree(root).write(str(path), encoding="UTF-8", xml_declaration=True)
        paths.append(path)
        current.clear()

    for index in range(total):
        is_cambodian = int((index + 1) * share) > int(index * share)
        pool, key = (cambodian, "cambodian") if is_cambodian else (others, "others")
        position = taken[key]
        taken[key] += 1
        current.append(varied(pool[position % len(pool)], position // len(pool) + 1))
        if len(current) == per_file:
            flush()
    if current:
        flush()
    size = sum(path.stat().st_size for path in paths)
    return {"paths": [str(p) for p in paths], "mb": size / 1e6, **taken}


# --- databases ---------------------------------------------------------------------------


def fresh_database(backend: str, tmp: Path) -> str:
    """An empty database with the reference data, the real partners and the demo rates."""
    if backend == "sqlite":
        path = tmp / "bench-iati-real.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{PG_BENCH_DATABASE}"'))
        admin.dispose()
        url = make_url(PG_ADMIN_URL).set(database=PG_BENCH_DATABASE).render_as_string(False)
    child("setup", url)
    return url


def drop_database(backend: str) -> None:
    if backend == "sqlite":
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
    admin.dispose()


# --- what the child processes do ------------------------------------------------------------


def child(step: str, url: str, *arguments: str) -> dict:
    """Run one step in a fresh Python process; its figures come back as JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, url, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {step} step failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """This process's peak resident size so far: VmHWM, the peak of its own memory since it
    started (ru_maxrss, where /proc is missing, may also count the parent's at the fork)."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> float:
    """Start measuring the peak again from the present size (Linux); return that size."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or peak_mb()


def _app(url: str):
    from portal import create_app
    from portal.config import TestConfig

    return create_app(TestConfig(url))


def run_setup(url: str) -> dict:
    from portal.demo.services import seed_organizations, seed_rates
    from portal.extensions import db
    from portal.reference.seed import seed_reference_data
    from portal.reference.services import load_sector_leads

    app = _app(url)
    with app.app_context():
        db.create_all()
        seed_reference_data()
        seed_organizations()
        load_sector_leads()
        seed_rates()
        db.session.commit()
    return {}


def _batch_bytes(batch_id: int) -> int:
    """The size of a batch's stored activities, as the database holds them."""
    from portal.extensions import db

    if db.engine.dialect.name == "sqlite":
        query = "SELECT length(CAST(activities AS BLOB)) FROM iati_import_batch WHERE id = :id"
    else:
        query = "SELECT octet_length(activities::text) FROM iati_import_batch WHERE id = :id"
    return int(db.session.execute(text(query), {"id": batch_id}).scalar_one())


def run_import(url: str, *paths: str) -> dict:
    """Upload, preview and confirm, each step as its own request would (the batch reloaded)."""
    from portal.extensions import db
    from portal.iati import services
    from portal.iati.preview import Decisions
    from portal.organizations.services import by_acronym

    app = _app(url)
    figures: dict = {}
    with app.app_context(), app.test_request_context():
        lead = by_acronym(DEFAULT_LEAD)
        decisions = Decisions(default_lead_id=lead.id if lead is not None else None)
        db.session.remove()
        figures["start_mb"] = peak_mb()

        started = time.perf_counter()
        files = [(Path(path).name, Path(path).read_bytes()) for path in paths]
        batch = services.create_batch(files, user=None)
        db.session.commit()
        token, batch_id = batch.token, batch.id
        del files, batch
        db.session.remove()
        figures.update(parse_s=time.perf_counter() - started, parse_mb=peak_mb())

        started = time.perf_counter()
        batch = services.batch_by_token(token)
        plan = services.preview(batch.activities, user=None, decisions=decisions)
        counts = plan.counts
        del plan, batch
        db.session.remove()
        figures.update(preview_s=time.perf_counter() - started, preview_mb=peak_mb())

        started = time.perf_counter()
        batch = services.batch_by_token(token)
        plan = services.confirm(batch, user=None, decisions=decisions)
        db.session.commit()
        written = plan.counts
        del plan, batch
        db.session.remove()
        figures.update(write_s=time.perf_counter() - started, write_mb=peak_mb())

        figures.update(preview_counts=counts, counts=written, batch_mb=_batch_bytes(batch_id) / 1e6)
    return figures


def run_export(url: str, way: str, out: str, cache: str) -> dict:
    """Every project as IATI XML into `out`: streamed as the download streams it ("download"),
    or by the command line (`flask portal iati export --out`).

    With `cache` "small", SQLite keeps its own default page cache (2 MiB) instead of the
    portal's 64 MiB: what the export itself holds is then seen apart from the pages SQLite
    keeps (which grow with what is read, up to 64 MiB).
    """
    from sqlalchemy import event, func, select

    from portal.extensions import db
    from portal.iati import export
    from portal.projects.models import Project

    app = _app(url)
    with app.app_context(), app.test_request_context():
        if cache == "small" and db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _small_cache)
            db.engine.dispose()
        projects = db.session.scalar(select(func.count()).select_from(Project))
        db.session.remove()
        start_mb = reset_peak()
        started = time.perf_counter()
        if way == "download":
            with open(out, "wb") as file:
                for chunk in export.iter_xml(export.iter_projects(select(Project))):
                    file.write(chunk)
        else:
            result = app.test_cli_runner().invoke(args=["portal", "iati", "export", "--out", out])
            if result.exit_code != 0:
                raise RuntimeError(result.output)
        seconds = time.perf_counter() - started
        end_mb = peak_mb()
        activities = Path(out).read_bytes().count(b"<iati-activity ")
    if activities != projects:
        raise RuntimeError(f"{activities} activities written for {projects} projects")
    return {
        "export_s": seconds,
        "export_mb": end_mb,
        "start_mb": start_mb,
        "file_mb": Path(out).stat().st_size / 1e6,
        "projects": projects,
    }


def _small_cache(dbapi_connection, _record) -> None:
    dbapi_connection.execute(f"PRAGMA cache_size=-{SQLITE_DEFAULT_CACHE_KB}")


# --- the parent: build, run, report ---------------------------------------------------------


def median_of(runs: list[dict]) -> dict:
    """Each number of the runs' figures as its median (the rest from the first run)."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def bench(backend: str, args, tmp: Path, pools) -> bool:
    cambodian, others, share = pools
    share = args.share if args.share is not None else share
    world = build_files(tmp / "world", args.activities, share, (cambodian, others))
    print(
        f"[{backend}] files: {len(world['paths'])} of up to {PER_FILE} activities, "
        f"{world['mb']:.0f} MB; {world['cambodian']} for Cambodia, {world['others']} for "
        f"other countries ({share:.1%})"
    )
    runs = []
    for _run in range(args.runs):
        url = fresh_database(backend, tmp)
        runs.append(child("import", url, *world["paths"]))
        drop_database(backend)
    imported = median_of(runs)

    url = fresh_database(backend, tmp)
    filled = build_files(tmp / "cambodia", args.export, 1.0, (cambodian, others), IMPORT_BATCH)
    fills, exports = [], {}
    for position, path in enumerate(filled["paths"]):
        fills.append(child("import", url, path))
        if position == 0 or position == len(filled["paths"]) - 1:
            for way in EXPORT_WAYS:
                figures = {
                    cache: median_of(
                        [
                            child("export", url, way, str(tmp / "out.xml"), cache)
                            for _ in range(args.runs)
                        ]
                    )
                    for cache in (("served", "small") if backend == "sqlite" else ("served",))
                }
                exports[(way, figures["served"]["projects"])] = figures
    drop_database(backend)

    import_s = imported["parse_s"] + imported["preview_s"] + imported["write_s"]
    sqlite = backend == "sqlite"
    import_ok = not sqlite or (import_s < IMPORT_S and imported["write_mb"] < IMPORT_MB)
    print(
        f"[{backend}] import of {args.activities} activities (median of {args.runs}): "
        f"outcome {imported['counts']}"
    )
    print(f"  {'step':<10} {'wall s':>8} {'peak MB':>9}")
    print(f"  {'start':<10} {'':>8} {imported['start_mb']:>9.0f}")
    for step in ("parse", "preview", "write"):
        print(f"  {step:<10} {imported[step + '_s']:>8.1f} {imported[step + '_mb']:>9.0f}")
    print(
        f"  {'total':<10} {import_s:>8.1f} {imported['write_mb']:>9.0f}   "
        f"{'PASS' if import_ok else 'FAIL'} (target < {IMPORT_S:.0f} s and < {IMPORT_MB:.0f} MB"
        f"{' on SQLite' if not sqlite else ''}); stored batch JSON {imported['batch_mb']:.1f} MB"
    )
    print(
        f"[{backend}] the database filled with the Cambodian activities repeated, in "
        f"{len(fills)} imports of up to {IMPORT_BATCH}: "
        f"{sum(f['counts']['new'] for f in fills)} new projects; each import "
        f"{statistics.median(f['parse_s'] + f['preview_s'] + f['write_s'] for f in fills):.1f} s "
        f"and {statistics.median(f['write_mb'] for f in fills):.0f} MB peak (medians), "
        f"batch JSON {statistics.median(f['batch_mb'] for f in fills):.1f} MB"
    )
    print(f"[{backend}] export of every project (median of {args.runs}):")
    header = f"  {'way':<10} {'projects':>8} {'wall s':>7} {'before MB':>10} {'peak MB':>8}"
    if sqlite:
        header += f" {'peak MB, SQLite cache 2 MiB':>28}"
    print(header + f" {'file MB':>8}")
    export_ok = True
    for way in EXPORT_WAYS:
        sizes = sorted(count for (kind, count) in exports if kind == way)
        for count in sizes:
            served = exports[(way, count)]["served"]
            row = (
                f"  {way:<10} {count:>8} {served['export_s']:>7.1f} {served['start_mb']:>10.0f} "
                f"{served['export_mb']:>8.0f}"
            )
            if sqlite:
                row += f" {exports[(way, count)]['small']['export_mb']:>28.0f}"
            print(row + f" {served['file_mb']:>8.1f}")
        # On SQLite, the growth is judged without the page cache (bounded at 64 MiB).
        flat = "small" if sqlite else "served"
        small, large = exports[(way, sizes[0])], exports[(way, sizes[-1])]
        ok = large["served"]["export_s"] < EXPORT_S and large[flat]["export_mb"] <= small[flat][
            "export_mb"
        ] * (1 + EXPORT_GROWTH)
        export_ok &= ok
        print(
            f"  {way:<10} {'PASS' if ok else 'FAIL'} (target < {EXPORT_S:.0f} s for "
            f"{sizes[-1]}, and a peak within {EXPORT_GROWTH:.0%} of the one for {sizes[0]}"
            f"{', SQLite cache apart' if sqlite else ''})"
        )
    return import_ok and export_ok


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        step, url, *arguments = sys.argv[2:]
        steps = {"setup": run_setup, "import": run_import, "export": run_export}
        print(json.dumps(steps[step](url, *arguments)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--activities", type=int, default=13_200)
    parser.add_argument("--export", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--share",
        type=float,
        default=None,
        help="Share of the activities that are for Cambodia (default: the world files').",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    pools = real_activities()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-iati-real-") as folder:
        for backend in backends:
            ok &= bench(backend, args, Path(folder), pools)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
