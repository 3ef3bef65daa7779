"""The money of every group summed once, kept current.

Revision ID: 8d5f3a1c2b60
Revises: 7c4e2b9d1f35
Create Date: 2026-12-13 09:00:00

The table money_summary holds, for each dimension of the aggregates, each group's money (one
row for the stored figures over all years and one a calendar year), apart for the published
projects and the others, with the number of projects of each group, over every project and
within each province (see portal/aggregates/summary.py). The upgrade fills it from the data as they are; the downgrade
drops it (nothing but sums is lost).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d5f3a1c2b60'
down_revision = '7c4e2b9d1f35'
branch_labels = None
depends_on = None

MEASURES = ('commitment', 'disbursed', 'planned', 'signed', 'expenditure', 'grant_commitment')


def upgrade():
    op.create_table('money_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    # 16 characters (a province's code, "s:" and a sector's, or a year bound: "y" and two
    # years): this upgrade fills the table with today's code, which keeps sums within sectors
    # and year bounds too. Tables made before that were 2 characters wide, then 8; e7b3c5a1d902 and
    # a9c4e2f7b318 widen them.
    sa.Column('within', sa.String(length=16), nullable=False),
    *(sa.Column(m, sa.BigInteger(), nullable=False) for m in MEASURES),
    *(sa.Column(f'n_{m}', sa.Integer(), nullable=False) for m in MEASURES),
    sa.Column('projects', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_summary')),
    sa.UniqueConstraint('dimension', 'within', 'published', 'year', 'key', name='uq_money_summary_group'),
    )

    from portal.aggregates.summary import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_table('money_summary')
