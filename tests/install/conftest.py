"""Tests of an install in a folder of its own: no app, no rolled-back session, one run.

The suite's per-backend app (tests/conftest.py) is not needed here; this `db_session` replaces
the autouse one so that these tests run once, whatever TEST_DATABASE_URL says.
"""

import pytest


@pytest.fixture(autouse=True)
def db_session():
    yield None
