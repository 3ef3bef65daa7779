"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import drop_scratch_database, scratch_database_url


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
