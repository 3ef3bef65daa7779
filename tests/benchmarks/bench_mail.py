"""Benchmark the mail sender: 1,000 queued messages delivered to a local SMTP server.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_mail.py [--backend sqlite|postgresql|both] [--messages 1000]

For each backend it builds a fresh database (a SQLite file in a temporary folder; a PostgreSQL
database named portal_bench_mail, created through the postgres user), queues `--messages`
messages through `queue_mail` (half of them to Khmer readers, each with a link and an HTML
alternative), starts an aiosmtpd server on a free loopback port, and times `send_due` as
`flask portal mail send` runs it: claims, one SMTP connection, a commit per message. It checks
that the server received every message once, and prints the figures and PASS/FAIL against the
issue's target: 1,000 messages in under 30 s.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DATABASE = "portal_bench_mail"
TARGET_S = 30.0
TARGET_MESSAGES = 1000


def fresh_database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench-mail.db'}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_BENCH_DATABASE}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=PG_BENCH_DATABASE).render_as_string(False)


def drop_database(backend: str) -> None:
    if backend == "sqlite":
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
    admin.dispose()


class Counting:
    """An aiosmtpd handler that counts the messages it receives, by subject."""

    def __init__(self) -> None:
        self.subjects: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.startswith(b"Subject:"):
                self.subjects[line.decode()] += 1
                break
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench(backend: str, count: int, tmp: Path) -> dict:
    from aiosmtpd.controller import Controller

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.mail import sender
    from portal.mail.services import queue_mail

    url = fresh_database(backend, tmp)
    app = create_app(TestConfig(url))
    handler = Counting()
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    figures = {"backend": backend, "messages": count}
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            for number in range(count):
                queue_mail(
                    f"focal{number}@ministry.example",
                    subject=f"Development Cooperation Portal: project {number}",
                    text=f"“Project {number}” was submitted for your confirmation.",
                    link_path=f"/alignment/projects/{number}/review",
                    locale="km" if number % 2 else "en",
                )
            db.session.commit()
            figures["queue_s"] = time.perf_counter() - started
            db.session.remove()

        started = time.perf_counter()
        counts = sender.send_due(app)
        figures["send_s"] = time.perf_counter() - started
        figures["counts"] = counts
        figures["received"] = sum(handler.subjects.values())
        figures["duplicates"] = sum(n - 1 for n in handler.subjects.values() if n > 1)
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()
        drop_database(backend)
    return figures


def report(figures: dict) -> bool:
    counts = figures["counts"]
    complete = (
        counts.sent == figures["messages"] == figures["received"] and not figures["duplicates"]
    )
    fast = figures["send_s"] < TARGET_S * figures["messages"] / TARGET_MESSAGES
    ok = complete and fast
    print(
        f"[{figures['backend']}] {figures['messages']} messages queued in "
        f"{figures['queue_s']:.1f} s; sent in {figures['send_s']:.1f} s "
        f"({figures['messages'] / figures['send_s']:.0f}/s): sent {counts.sent}, "
        f"retried {counts.retried}, failed {counts.failed}, received {figures['received']}, "
        f"duplicates {figures['duplicates']} "
        f"{'PASS' if ok else 'FAIL'} (target < {TARGET_S:.0f} s for {TARGET_MESSAGES}, each once)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--messages", type=int, default=TARGET_MESSAGES)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as folder:
        for backend in backends:
            ok &= report(bench(backend, args.messages, Path(folder)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
