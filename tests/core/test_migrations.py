"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import drop_scratch_database, scratch_database_url, seeded_scratch

SHARE_BOUNDS = "679a790cfeee"  # the revision that stores the bounds of the shares


def test_upgrade_matches_models(backend, tmp_root):
    url = scratch_database_url(backend, "migrations", tmp_root)
    app = create_app(TestConfig(url))
    try:
        with app.app_context():
            upgrade()
            engine = create_engine(url)
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "render_as_batch": True}
                )
                differences = compare_metadata(context, db.metadata)
            engine.dispose()
            db.engine.dispose()
        assert differences == []
    finally:
        drop_scratch_database(url)


def test_upgrade_fills_in_the_bounds_of_the_shares_already_there(backend, tmp_root):
    def bounds():
        return {
            table: db.session.execute(
                text(f"SELECT id, share_from, share_to FROM {table} ORDER BY id")
            ).all()
            for table in ("project_sector", "project_location")
        }

    with seeded_scratch(backend, "share_bounds", tmp_root, projects=40):
        stored = bounds()
        db.session.remove()
        downgrade(revision=f"{SHARE_BOUNDS}-1")  # the columns go, with their values
        upgrade()
        assert bounds() == stored
        assert all(stored.values())
