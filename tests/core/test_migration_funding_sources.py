"""The funding-sources migration keeps every project's money to the cent, and its downgrade
refuses to drop money the older schema cannot hold."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import seeded_scratch

SOURCES = "28b5eaccef27"  # the revision that adds funding_source and source_funding
BEFORE = "25f38a8dcff9"


def _money():
    """Every project's stored totals and every yearly row, as the database holds them."""
    projects = db.session.execute(
        text(
            "SELECT id, commitment_amount, commitment_currency, commitment_rate, commitment_usd, "
            "disbursed_usd, planned_usd FROM project ORDER BY id"
        )
    ).all()
    rows = db.session.execute(
        text(
            "SELECT id, project_id, year, kind, amount, currency, rate, amount_usd "
            "FROM project_funding ORDER BY id"
        )
    ).all()
    return [tuple(p) for p in projects], [tuple(r) for r in rows]


def _sums():
    """The totals a reader sees: the sums of the stored columns and of the yearly rows."""
    return db.session.execute(
        text(
            "SELECT (SELECT sum(commitment_usd) FROM project), "
            "(SELECT sum(disbursed_usd) FROM project), (SELECT sum(planned_usd) FROM project), "
            "(SELECT sum(amount_usd) FROM project_funding WHERE kind = 'disbursement'), "
            "(SELECT sum(amount_usd) FROM project_funding WHERE kind = 'planned')"
        )
    ).one()


# Its own database throughout: the suite's rolled-back session would write elsewhere.
@pytest.mark.own_database
def test_upgrade_gives_every_project_its_reporting_source_and_keeps_its_money(backend, tmp_root):
    with seeded_scratch(backend, "funding_sources", tmp_root, projects=60):
        db.session.remove()
        downgrade(revision=BEFORE)  # nothing but reporting sources: nothing to lose
        tables = set(
            db.session.execute(
                text(
                    "SELECT table_name FROM information_schema.tables"
                    if backend != "sqlite"
                    else "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ).scalars()
        )
        assert "funding_source" not in tables
        # An amount waiting for its exchange rate, as an IATI import leaves one.
        project_id = db.session.execute(text("SELECT min(id) FROM project")).scalar()
        db.session.execute(
            text(
                "INSERT INTO project_funding (project_id, year, kind, amount, currency) "
                "VALUES (:p, 1999, 'disbursement', 123456, 'EUR')"
            ),
            {"p": project_id},
        )
        db.session.commit()
        before, before_sums = _money(), _sums()
        db.session.remove()

        upgrade()

        assert _money() == before
        assert _sums() == before_sums
        assert all(before_sums[:3]) and before[1]  # there was money to keep
        per_project = dict(
            db.session.execute(
                text(
                    "SELECT project_id, count(*) FROM funding_source "
                    "WHERE kind = 'reporting' AND organization_id IS NULL GROUP BY project_id"
                )
            ).all()
        )
        assert per_project == {p[0]: 1 for p in before[0]}
        assert db.session.execute(text("SELECT count(*) FROM source_funding")).scalar() == 0

        # A co-financier's money cannot go down with the tables without being asked to.
        source_id = db.session.execute(
            text(
                "INSERT INTO funding_source (project_id, kind, organization_id, in_kind, "
                "position) VALUES (:p, 'national', NULL, false, 1) RETURNING id"
            ),
            {"p": project_id},
        ).scalar()
        db.session.execute(
            text(
                "INSERT INTO source_funding (source_id, year, kind, amount, currency, rate, "
                "amount_usd) VALUES (:s, 2024, 'disbursement', 500000, 'USD', 1, 500000)"
            ),
            {"s": source_id},
        )
        db.session.commit()
        db.session.remove()
        with pytest.raises(SystemExit):  # flask-migrate's answer to the RuntimeError
            downgrade(revision=BEFORE)
        db.session.remove()
        assert db.session.execute(text("SELECT count(*) FROM source_funding")).scalar() == 1
        db.session.remove()
        downgrade(revision=BEFORE, x_arg=["drop_sources=yes"])
        assert _money() == before
