"""The round's commands: clear refusals (exit 1, nothing written) and what each prints."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.rounds.models import ReportingRound, RoundEvent, RoundSnapshotProject
from tests.rounds import scenario


@pytest.fixture
def world():
    return scenario.build()


def run(app, *args):
    return app.test_cli_runner().invoke(args=["portal", *args])


def rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportingRound))


def test_the_year_of_a_round_from_open_to_report(app, world, tmp_path):
    deadline = (date.today() + timedelta(days=30)).isoformat()
    opened = run(app, "round", "open", "--year", "2025", "--deadline", deadline, "--message", "Hi")
    assert opened.exit_code == 0, opened.output
    assert "Round 2025 is open" in opened.output
    second = run(app, "round", "open", "--year", "2025", "--deadline", deadline)
    assert second.exit_code == 1 and "already exists" in second.output and rounds() == 1

    status = run(app, "round", "status", "--year", "2025")
    assert status.exit_code == 0
    lines = status.output.splitlines()
    alpha = next(line for line in lines if line.startswith("ALPHA"))
    assert alpha.split() == ["ALPHA", "2", "0", "no", "0"]
    assert lines[-1].split()[:3] == ["TOTAL", "3", "0"]

    reminded = run(app, "round", "remind", "--year", "2025")
    assert reminded.exit_code == 0 and "Reminded 2 partner(s)" in reminded.output
    assert db.session.scalar(select(func.count()).where(RoundEvent.kind == "reminder")) == 2

    early = run(app, "report", "build", "--round", "2025", "--out", str(tmp_path / "r.pdf"))
    assert early.exit_code == 1 and "not closed" in early.output
    assert not (tmp_path / "r.pdf").exists()

    closed = run(app, "round", "close", "--year", "2025")
    assert closed.exit_code == 0 and "3 projects frozen" in closed.output
    again = run(app, "round", "close", "--year", "2025")
    assert again.exit_code == 1 and "already closed" in again.output
    assert db.session.scalar(select(func.count()).select_from(RoundSnapshotProject)) == 3

    out = tmp_path / "round.pdf"
    built = run(
        app,
        "report",
        "build",
        "--round",
        "2025",
        "--lang",
        "en",
        "--section",
        "key_figures",
        "--section",
        "coverage",
        "--out",
        str(out),
    )
    assert built.exit_code == 0, built.output
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "args",
    [
        ["round", "status", "--year", "1999"],
        ["round", "remind", "--year", "1999"],
        ["round", "close", "--year", "1999"],
        ["round", "open", "--year", "2025", "--deadline", "soon"],
        ["round", "open", "--year", "2025", "--deadline", "2001-01-01"],
    ],
)
def test_refusals_exit_1_and_write_nothing(app, world, args):
    result = run(app, *args)
    assert result.exit_code == 1 and "Error:" in result.output
    assert rounds() == 0


def test_a_close_that_fails_midway_leaves_the_round_open_and_no_snapshot(app, world, monkeypatch):
    from portal.rounds import freeze

    deadline = (date.today() + timedelta(days=30)).isoformat()
    assert run(app, "round", "open", "--year", "2025", "--deadline", deadline).exit_code == 0

    def fail(*args, **kwargs):
        raise RuntimeError("the disk filled up while the audit entry was written")

    monkeypatch.setattr(freeze, "record", fail)  # after the snapshot rows went in
    result = run(app, "round", "close", "--year", "2025")
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.scalar(select(ReportingRound.state)) == "open"
    assert db.session.scalar(select(func.count()).select_from(RoundSnapshotProject)) == 0
