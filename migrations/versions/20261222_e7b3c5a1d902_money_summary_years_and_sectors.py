"""The kept group sums within each sector, and a year's split over shares from earlier years.

Revision ID: e7b3c5a1d902
Revises: d4f1b6a2c9e7
Create Date: 2026-12-22 09:00:00

Two changes to the kept group sums (table money_summary), then every group worked out again
from the data (as `flask portal summaries rebuild` does):

- the sums are also kept within each sector and sector category (`within` "s:" and its code,
  so the column is widened from 2 characters to 8, as 8d5f3a1c2b60 now makes it), for the
  questions filtered by a sector;
- a project's money of one year, split over its sectors or places, is now the range of its
  cents from its earlier years on, split (as the money cells and the report builder split it),
  so that the years of a group add up to its figure over any span of years and over all years.
  The kept yearly parts of the shared dimensions were each year's money split alone.

The downgrade drops the rows within sectors and narrows the column again. The yearly parts
stay as they are: the code before this revision answers spans of years over shares live and
reads them one year at a time, where they differ by a cent here and there.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "e7b3c5a1d902"
down_revision = "d4f1b6a2c9e7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("money_summary") as batch_op:
        # 16, not the 8 this revision first set: the sums worked out below, with today's
        # code, include those within year bounds ("y20262019"); a9c4e2f7b318 widens the
        # tables this revision made 8 wide.
        batch_op.alter_column(
            "within", existing_type=sa.String(length=2), type_=sa.String(length=16)
        )
    from portal.aggregates.summary import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.execute("DELETE FROM money_summary WHERE within LIKE 's:%'")
    with op.batch_alter_table("money_summary") as batch_op:
        batch_op.alter_column(
            "within", existing_type=sa.String(length=16), type_=sa.String(length=2)
        )
