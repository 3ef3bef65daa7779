"""A backup made as the README says restores into an empty database with every record equal."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import drop_scratch_database, scratch_database_url


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the portal, in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            result = {}
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                result[table.name] = [
                    tuple(row) for row in connection.execute(select(table).order_by(*order))
                ]
            return result
    finally:
        engine.dispose()


def _backup_and_restore(url: str, target: str, folder) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # SQLite's online backup (what `sqlite3 portal.db ".backup file"` does).
        source = sqlite3.connect(parsed.database)
        copy = sqlite3.connect(make_url(target).database)
        source.backup(copy)
        source.close()
        copy.close()
        return
    dump = folder / "portal.dump"
    common = ["-h", parsed.host, "-p", str(parsed.port or 5432), "-U", parsed.username]
    subprocess.run(
        ["pg_dump", *common, "--format=custom", "--file", str(dump), parsed.database],
        check=True,
    )
    subprocess.run(
        [
            "pg_restore",
            *common,
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            make_url(target).database,
            str(dump),
        ],
        check=True,
    )


@pytest.mark.own_database
def test_a_backup_restores_every_record(backend, tmp_root, tmp_path):
    url = scratch_database_url(backend, "backup", tmp_root)
    target = scratch_database_url(backend, "restored", tmp_root)
    app = create_app(TestConfig(url))
    try:
        with app.app_context():
            db.create_all()
            from portal.demo.services import build_demo

            build_demo(project_count=40)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        _backup_and_restore(url, target, tmp_path)
        original, restored = _rows(url), _rows(target)
        assert sum(len(rows) for rows in original.values()) > 3000
        assert original["project"] and original["project_funding"]
        for table, rows in original.items():
            assert restored[table] == rows, table
        # The restored database goes on working: its sequences continue after the last id.
        engine = create_engine(target)
        with engine.begin() as connection:
            if backend == "postgresql":
                next_id = connection.execute(text("SELECT nextval('project_id_seq')")).scalar()
                assert next_id > max(row[0] for row in original["project"])
        engine.dispose()
    finally:
        drop_scratch_database(url)
        drop_scratch_database(target)
