"""The kept group sums within each period projects run in.

Revision ID: a9c4e2f7b318
Revises: e7b3c5a1d902
Create Date: 2026-12-23 09:00:00

The sums are also kept within each period projects run in (`within` "y:", the start year, "-"
and the end year, so the column is widened from 8 characters to 16), by province and district
and by year: the year filter (the map of some years) reads the periods that overlap its years
instead of summing every matched project. Every group is then worked out again from the data
(as `flask portal summaries rebuild` does).

The downgrade drops the rows within periods and narrows the column again.
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
    op.execute("DELETE FROM money_summary WHERE within LIKE 'y:%'")
    with op.batch_alter_table("money_summary") as batch_op:
        batch_op.alter_column(
            "within", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
