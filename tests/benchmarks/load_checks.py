"""The checks and figures of bench_load.py: writes found in the database, latencies, restart.

A write is acknowledged when the portal answered it with its redirect (302). After the run:
- an edit (a new `partner_ref`, unique) must appear exactly once in project_change, and each
  project must hold the value of its latest saved edit; an edit refused with 409 must appear
  nowhere;
- a workflow step (submit, confirm, return, validate) must appear in workflow_transition
  exactly as many times per project and target state as it was acknowledged; a return's
  reasons (unique) exactly once;
- a progress report (its narrative, unique) exactly once in progress_report; one refused (400,
  e.g. that period was reported a moment before) nowhere; a party's view of a self-rating (its
  comment, unique) exactly once in rating_assessment;
- a report generation must have its job, finished.
A write whose answer was an error or never came may or may not be there; if it is, it is
counted as "written though the answer was an error", not as lost or duplicated.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

import psycopg

RESTART_WINDOW_AFTER_S = 30  # failures this long after PostgreSQL is back belong to the restart
TARGET_STATE = {
    "submit": "submitted",
    "confirm": "confirmed",
    "return": "returned",
    "validate": "validated",
}
TABLES = (
    "project_change",
    "workflow_transition",
    "progress_report",
    "rating_assessment",
    "report_job",
)


def read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def baseline(dsn: str) -> dict[str, int]:
    """The highest id of each table a write adds to, before the run."""
    with psycopg.connect(dsn) as connection:
        return {
            table: connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for table in TABLES
        }


def wait_for_report_jobs(dsn: str, base: dict, timeout: float) -> int:
    """Wait until the run's report jobs are finished; answer how many still are not."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(dsn) as connection:
            pending = connection.execute(
                "SELECT count(*) FROM report_job WHERE id > %s AND state IN ('queued', 'running')",
                [base["report_job"]],
            ).fetchone()[0]
        if pending == 0 or time.monotonic() > deadline:
            return pending
        time.sleep(2)


def _attempts(writes: list[dict]) -> list[dict]:
    """Each write attempt with its answer (status None: no answer recorded)."""
    by_id: dict[str, dict] = {}
    for line in writes:
        if "kind" in line and line["kind"] in ("report_job", "report_ready"):
            continue
        by_id.setdefault(line["id"], {"status": None}).update(line)
    return list(by_id.values())


def check_writes(dsn: str, base: dict, writes: list[dict], restart: dict) -> dict:
    """Look every acknowledged write up in the database; count checked, lost, duplicated."""
    attempts = _attempts(writes)
    result = Counter()
    problems: list[str] = []
    with psycopg.connect(dsn) as db:
        _check_edits(db, base, attempts, result, problems)
        _check_transitions(db, base, attempts, result, problems)
        _check_progress(db, base, attempts, result, problems)
        _check_assessments(db, base, attempts, result, problems)
        _check_reports(db, base, writes, restart, result, problems)
    result["attempts"] = len(attempts)
    return {"counts": result, "problems": problems}


def _check_edits(db, base, attempts, result, problems) -> None:
    edits = [a for a in attempts if a["kind"] == "edit"]
    found = Counter()
    version_of = {}
    for project_id, value, count, version in db.execute(
        "SELECT project_id, new_value, count(*), max(version) FROM project_change "
        "WHERE id > %s AND field = 'partner_ref' AND new_value LIKE 'load-edit-%%' "
        "GROUP BY project_id, new_value",
        [base["project_change"]],
    ):
        found[(project_id, value)] = count
        version_of[(project_id, value)] = version
    latest: dict[int, tuple[int, str]] = {}
    for (project_id, value), version in version_of.items():
        if project_id not in latest or version > latest[project_id][0]:
            latest[project_id] = (version, value)
    for edit in edits:
        key = (edit["project_id"], edit["value"])
        if edit["status"] == 302:
            result["edits acknowledged"] += 1
            _tally(result, problems, "edit", found[key], key)
        elif edit["status"] == 409:
            result["edits refused (409 conflict)"] += 1
            if found[key]:
                result["refused but written"] += 1
                problems.append(f"edit refused with 409 but written: {key}")
        else:
            result["edits without a 302/409 answer"] += 1
            if found[key]:
                result["written though the answer was an error"] += 1
    other_fields = db.execute(
        "SELECT count(*) FROM project_change WHERE id > %s AND field <> 'partner_ref'",
        [base["project_change"]],
    ).fetchone()[0]
    if other_fields:  # the users change partner_ref only: the form must send the rest back as is
        result["other project fields changed"] += other_fields
        problems.append(f"{other_fields} changes of other fields than partner_ref")
    current = dict(
        db.execute(
            "SELECT id, partner_ref FROM project WHERE id = ANY(%s)", [list(latest)]
        ).fetchall()
    )
    for project_id, (_version, value) in latest.items():
        result["projects whose final value was checked"] += 1
        if current.get(project_id) != value:
            result["final value wrong"] += 1
            problems.append(f"project {project_id} holds {current.get(project_id)!r}, not {value}")


def _check_transitions(db, base, attempts, result, problems) -> None:
    steps = [a for a in attempts if a["kind"] == "transition"]
    found = Counter()
    for project_id, state, count in db.execute(
        "SELECT project_id, to_state, count(*) FROM workflow_transition WHERE id > %s "
        "GROUP BY project_id, to_state",
        [base["workflow_transition"]],
    ):
        found[(project_id, state)] = count
    comments = Counter(
        dict(
            db.execute(
                "SELECT comment, count(*) FROM workflow_transition WHERE id > %s "
                "AND comment LIKE 'load-%%' GROUP BY comment",
                [base["workflow_transition"]],
            ).fetchall()
        )
    )
    acknowledged, unanswered = Counter(), Counter()
    for step in steps:
        key = (step["project_id"], TARGET_STATE[step["action"]])
        if step["status"] == 302:
            acknowledged[key] += 1
            result[f"{step['action']} acknowledged"] += 1
            if step.get("comment"):
                _tally(result, problems, "return reasons", comments[step["comment"]], key, False)
        elif step["status"] == 409:
            result[f"{step['action']} refused (409, someone acted first)"] += 1
            if step.get("comment") and comments[step["comment"]]:
                result["refused but written"] += 1
                problems.append(f"{step['action']} refused with 409 but written: {key}")
        else:
            unanswered[key] += 1
            result[f"{step['action']} without a 302/409 answer"] += 1
    for key in set(acknowledged) | {k for k in found if k[1] in TARGET_STATE.values()}:
        expected, present = acknowledged[key], found[key]
        if present == expected:
            result["writes checked"] += expected
        elif present < expected:
            result["writes checked"] += expected
            result["lost"] += expected - present
            problems.append(f"step to {key[1]} on project {key[0]}: {expected} acked, {present}")
        else:
            result["writes checked"] += expected
            extra = present - expected
            explained = min(extra, unanswered[key])
            result["written though the answer was an error"] += explained
            if extra > explained:
                result["duplicated"] += extra - explained
                problems.append(
                    f"step to {key[1]} on project {key[0]}: {expected} acked, {present}"
                )
    other = sum(n for (_p, state), n in found.items() if state not in TARGET_STATE.values())
    if other:
        result["other transitions logged (e.g. reconfirm)"] += other


def _check_progress(db, base, attempts, result, problems) -> None:
    reports = [a for a in attempts if a["kind"] == "progress"]
    found = Counter(
        dict(
            db.execute(
                "SELECT narrative, count(*) FROM progress_report WHERE id > %s GROUP BY narrative",
                [base["progress_report"]],
            ).fetchall()
        )
    )
    for report in reports:
        key = (report["commitment_id"], report["period"])
        if report["status"] == 302:
            result["progress reports acknowledged"] += 1
            _tally(result, problems, "progress report", found[report["value"]], key)
        elif report["status"] == 400:
            result["progress reports refused (400, period already reported)"] += 1
            if found[report["value"]]:
                result["refused but written"] += 1
                problems.append(f"progress report refused but written: {key}")
        else:
            result["progress reports without a 302/400 answer"] += 1
            if found[report["value"]]:
                result["written though the answer was an error"] += 1


def _check_assessments(db, base, attempts, result, problems) -> None:
    views = [a for a in attempts if a["kind"] == "assessment"]
    found = Counter(
        dict(
            db.execute(
                "SELECT comment, count(*) FROM rating_assessment WHERE id > %s "
                "AND comment LIKE 'load-%%' GROUP BY comment",
                [base["rating_assessment"]],
            ).fetchall()
        )
    )
    for view in views:
        if view["status"] == 302:
            result["rating assessments acknowledged"] += 1
            _tally(result, problems, "rating assessment", found[view["value"]], view["action"])
        else:
            result["rating assessments without a 302 answer"] += 1
            if found[view["value"]]:
                result["written though the answer was an error"] += 1


def _check_reports(db, base, writes, restart, result, problems) -> None:
    posted = [a for a in _attempts(writes) if a["kind"] == "report" and a["status"] == 302]
    job_ids = [w["job_id"] for w in writes if w.get("kind") == "report_job"]
    ready = {w["job_id"]: w["seconds"] for w in writes if w.get("kind") == "report_ready"}
    rows = {
        job_id: (state, started, finished)
        for job_id, state, started, finished in db.execute(
            "SELECT id, state, extract(epoch FROM created_at), extract(epoch FROM finished_at) "
            "FROM report_job WHERE id > %s",
            [base["report_job"]],
        )
    }
    result["report generations acknowledged"] += len(posted)
    if len(job_ids) != len(posted):
        problems.append(f"{len(posted)} report POSTs acknowledged, {len(job_ids)} job pages")
    for job_id in job_ids:
        state = rows.get(job_id, (None,))[0]
        _tally(result, problems, "report job", 1 if state else 0, job_id)
        result[f"report jobs {state or 'missing'}"] += 1
        if state == "failed" and not _during_restart(rows[job_id], restart):
            problems.append(f"report job {job_id} failed outside the restart")
    if ready:
        result["report seconds p50 (to ready, as the user waited)"] = round(
            statistics.median(ready.values()), 1
        )
        result["report seconds max"] = max(ready.values())
    extra = len(rows) - len(job_ids)
    if extra:
        result["report jobs without an acknowledged POST"] += extra


def _during_restart(row, restart: dict) -> bool:
    if not restart:
        return False
    _state, created, finished = row
    begin, end = restart["begin"], restart["end"] + RESTART_WINDOW_AFTER_S
    return float(created) <= end and (finished is None or float(finished) >= begin)


def _tally(result, problems, what: str, found: int, key, count_checked: bool = True) -> None:
    if count_checked:
        result["writes checked"] += 1
    if found == 0:
        result["lost"] += 1
        problems.append(f"{what} acknowledged but not found: {key}")
    elif found > 1:
        result["duplicated"] += 1
        problems.append(f"{what} found {found} times: {key}")
