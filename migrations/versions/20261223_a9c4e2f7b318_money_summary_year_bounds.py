"""The kept group sums within the projects' year bounds.

Revision ID: a9c4e2f7b318
Revises: e7b3c5a1d902
Create Date: 2026-12-23 09:00:00

The sums are also kept, by province and district, within the projects that ended in one year
(`within` "e" and the year), that started in one ("b" and the year), or that start after they
end ("y", the start year and the end year), over all years and, by year, of the money of the
years outside those bounds (see portal/aggregates/summary.py). The year filter (the map of some
years) reads every project's sums less those of the projects that do not run in its years,
instead of summing every matched project. The column is widened from 8 characters to 16, and
every group is worked out again from the data (as `flask portal summaries rebuild` does).

The downgrade drops the rows within year bounds and narrows the column again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9c4e2f7b318"
down_revision = "e7b3c5a1d902"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("money_summary") as batch_op:
        batch_op.alter_column(
            "within", existing_type=sa.String(length=8), type_=sa.String(length=16)
        )
    from portal.aggregates.summary import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.execute(
        "DELETE FROM money_summary WHERE within LIKE 'e%' OR within LIKE 'b%' OR within LIKE 'y%'"
    )
    with op.batch_alter_table("money_summary") as batch_op:
        batch_op.alter_column(
            "within", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
