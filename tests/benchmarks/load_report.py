"""The figures of bench_load.py: requests, errors, latencies, the restart, PASS/FAIL.

Targets (the issue's): no 5xx and no unanswered request outside a restart; pages (GETs a person
waits for) under PAGE_P95_TARGET_MS at p95; no acknowledged write lost or duplicated; with a
restart, every 5xx in its window the portal's 503 page, and none later than RECOVERY_TARGET_S
after PostgreSQL accepts connections again.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from load_checks import RESTART_WINDOW_AFTER_S

PAGE_P95_TARGET_MS = 500
RECOVERY_TARGET_S = 10


# --- latencies and errors ---------------------------------------------------------------------


def error_class(status: int, text: str, content_type: str) -> str:
    """Name a failed answer: "503 page" is the portal's own page (or JSON) saying so."""
    if status == 0:
        return "no answer"
    if "Traceback (most recent call last)" in text:
        return f"{status} traceback"
    portal_page = "</html>" in text and 'class="error-page' in text
    if status == 503 and (portal_page or "application/json" in content_type):
        return "503 page"
    if status == 500 and portal_page:
        return "500 page"
    return f"{status} other"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def request_stats(requests: list[dict], restart: dict) -> dict:
    """Counts, errors by class (inside and outside the restart window) and latencies."""
    window = None
    if restart.get("begin"):
        window = (restart["begin"], restart["end"] + RESTART_WINDOW_AFTER_S)
    errors_in, errors_out = Counter(), Counter()
    failures_in: list[dict] = []
    unexpected = Counter()
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_name: dict[str, list[float]] = defaultdict(list)
    for line in requests:
        error = line.get("e")
        inside = window is not None and window[0] <= line["t"] + line["ms"] / 1000 <= window[1]
        if error:
            if line["s"] >= 500 or line["s"] == 0:
                (errors_in if inside else errors_out)[error] += 1
                if inside:
                    failures_in.append(line)
            else:
                unexpected[f"{line['m']} {line['n']} → {line['s']}"] += 1
            continue
        by_kind[line["k"]].append(line["ms"])
        by_name[f"{line['m']} {line['n']}"].append(line["ms"])
    stats = {
        "requests": len(requests),
        "failures": sum(errors_in.values()) + sum(errors_out.values()) + sum(unexpected.values()),
        "5xx": sum(n for e, n in (errors_in + errors_out).items() if e[0] == "5"),
        "errors outside restart": errors_out,
        "errors during restart": errors_in,
        "unexpected 4xx": unexpected,
        "titles during restart": Counter(f.get("title", "") for f in failures_in),
        "kinds": {
            kind: (len(times), *(percentile(times, q) for q in (0.5, 0.95, 0.99)), max(times))
            for kind, times in by_kind.items()
        },
        "names": sorted(
            (
                (name, len(t), percentile(t, 0.5), percentile(t, 0.95))
                for name, t in by_name.items()
            ),
            key=lambda row: -row[3],
        ),
    }
    if window is not None:
        finished = [f["t"] + f["ms"] / 1000 for f in failures_in]
        stats["restart seconds"] = restart["end"] - restart["begin"]
        stats["first failure after restart began"] = (
            min(finished) - restart["begin"] if finished else None
        )
        stats["recovery seconds"] = max(0.0, max(finished) - restart["end"]) if finished else 0.0
        stats["users saw failures for"] = (
            max(finished) - min(f["t"] for f in failures_in) if finished else 0.0
        )
        stats["requests answered during restart window"] = sum(
            1 for line in requests if window[0] <= line["t"] <= window[1] and not line.get("e")
        )
        stats["probe"] = _probe_stats(restart)
    return stats


def _probe_stats(restart: dict) -> dict:
    """What the probe (one GET every quarter of a second around the restart) saw."""
    answers = restart.get("probe") or []
    failures = [a for a in answers if a.get("e")]
    if not failures:
        return {"sent": len(answers), "errors": Counter(), "down": 0.0, "back": 0.0, "ok": True}
    last = failures[-1]["t"]
    success = next((a["t"] for a in answers if a["t"] > last and not a.get("e")), None)
    return {
        "sent": len(answers),
        "errors": Counter(a["e"] for a in failures),
        "down": (success or last) - failures[0]["t"],
        "back": max(0.0, (success or last) - restart["end"]),
        "ok": success is not None,
    }


# --- the report -------------------------------------------------------------------------------


def print_report(figures: dict, stats: dict, checked: dict, restart: dict, phases: dict) -> bool:
    """Print the figures and PASS/FAIL against the targets; answer whether all passed."""
    print(
        f"\nload test: {figures['users']} users, {figures['duration']} s, "
        f"{figures['projects']} demo projects, gunicorn {figures['workers']} workers, "
        f"report jobs: {figures['jobs']}; load average {figures['load_before']} before, "
        f"{figures['load_after']} after"
    )
    print("\nwall time of each phase")
    for name, seconds in phases.items():
        print(f"  {name:<40}{seconds:>8.1f} s")
    print(f"\nrequests {stats['requests']}, failures {stats['failures']}, 5xx {stats['5xx']}")
    for label in ("errors outside restart", "errors during restart", "unexpected 4xx"):
        for error, count in sorted(stats[label].items()):
            print(f"  {label}: {error}: {count}")
    print(f"\n{'kind':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, (count, p50, p95, p99, top) in sorted(stats["kinds"].items()):
        print(f"{kind:<10}{count:>7}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}{top:>9.0f}")
    print("\nslowest requests by p95")
    for name, count, p50, p95 in stats["names"][:12]:
        print(f"  {name:<52}{count:>6}{p50:>8.0f}{p95:>8.0f} ms")
    counts = checked["counts"]
    print("\nwrites")
    for name, value in sorted(counts.items()):
        print(f"  {name:<58}{value:>7}")
    for problem in checked["problems"][:20]:
        print(f"  problem: {problem}")
    print(
        f"  logged: {figures['unhandled_errors']} unhandled errors by the portal, "
        f"{figures['gunicorn_errors']} requests gunicorn could not answer, "
        f"{figures['worker_timeouts']} worker timeouts; report jobs unfinished at the end: "
        f"{figures['pending_jobs']}"
    )
    page_p95 = stats["kinds"].get("page", (0, 0, float("nan")))[2]
    outside = sum(stats["errors outside restart"].values())
    verdicts = [
        ("no 5xx or unanswered request (outside a restart)", outside == 0),
        (f"pages p95 {page_p95:.0f} ms < {PAGE_P95_TARGET_MS} ms", page_p95 < PAGE_P95_TARGET_MS),
        (
            f"writes checked {counts['writes checked']}: lost {counts['lost']}, duplicated "
            f"{counts['duplicated']}, refused but written {counts['refused but written']}",
            counts["writes checked"] > 0
            and counts["lost"] == counts["duplicated"] == counts["refused but written"] == 0,
        ),
        ("write checks found nothing else wrong", not checked["problems"]),
    ]
    if restart:
        during = stats["errors during restart"]
        probe = stats["probe"]
        clean = all(error == "503 page" for error in [*during, *probe["errors"]])
        recovery = max(stats["recovery seconds"], probe["back"])
        first = stats["first failure after restart began"]
        print(
            f"\nrestart: pg_ctl restart took {stats['restart seconds']:.1f} s; the users got "
            f"{sum(during.values())} failed answers around it"
            + (f", the first {first:.1f} s after it began" if first is not None else "")
            + f", for {stats['users saw failures for']:.1f} s, the last "
            + f"{stats['recovery seconds']:.1f} s after PostgreSQL was back; "
            + f"{stats['requests answered during restart window']} answered fine in the window"
        )
        for title, count in stats["titles during restart"].items():
            print(f"  page shown: {title!r} × {count}")
        errors = ", ".join(f"{e}: {n}" for e, n in sorted(probe["errors"].items())) or "none"
        print(
            f"  probe, GET of a project page every 0.25 s around it: {probe['sent']} sent, "
            f"failed answers: {errors}; it failed for {probe['down']:.1f} s and succeeded again "
            f"{probe['back']:.1f} s after PostgreSQL was back"
            + ("" if probe["ok"] else " (never: no success after the last failure)")
        )
        if restart.get("error"):
            print(f"  pg_ctl restart failed: {restart['error']}")
        verdicts += [
            ("every failure during the restart is the portal's 503 page", clean),
            (
                f"recovered by itself {recovery:.1f} s after PostgreSQL (< {RECOVERY_TARGET_S} s)",
                recovery < RECOVERY_TARGET_S and probe["ok"] and not restart.get("error"),
            ),
        ]
    print()
    for label, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return all(ok for _label, ok in verdicts)
