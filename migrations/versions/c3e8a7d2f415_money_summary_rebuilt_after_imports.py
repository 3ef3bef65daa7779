"""The kept group sums worked out again: IATI imports left them wrong.

Revision ID: c3e8a7d2f415
Revises: b72c4e1d9a03
Create Date: 2026-12-20 09:00:00

A batch import inserts its projects with ids the database gives; before the fix that came with
this revision, the parts of those projects were taken off the kept sums when their rows were
inserted, though none had been added, so every database that imported IATI activities since
the table money_summary came has wrong sums there. The upgrade works every group out again
from the data as they are (as `flask portal summaries rebuild` does); the downgrade changes
nothing (the sums are right either way).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e8a7d2f415'
down_revision = 'b72c4e1d9a03'
branch_labels = None
depends_on = None


def upgrade():
    from portal.aggregates.summary import rebuild

    rebuild(op.get_bind())


def downgrade():
    pass
