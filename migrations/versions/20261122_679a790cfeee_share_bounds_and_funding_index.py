"""share bounds and a covering funding index, for fast aggregates

Revision ID: 679a790cfeee
Revises: b7e4a1c93d20
Create Date: 2026-11-22 08:45:00.000000

Each sector and location share keeps its cumulative bounds within its project, in parts of a
billion, so the aggregates split money with integer arithmetic (see share_bounds in
portal.projects.models); existing rows are filled in here, in the order of their ids. The
index of funding by year also holds the project and the amount, so the money of some years is
read from the index alone.
"""
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '679a790cfeee'
down_revision = 'b7e4a1c93d20'
branch_labels = None
depends_on = None

SHARE_BASIS = 1_000_000_000
TABLES = ('project_sector', 'project_location')


def _bounds(percentages):
    """portal.projects.models.share_bounds as it was when this migration was written."""
    whole = sum(percentages, Decimal(0))
    bounds, lower, running = [], 0, Decimal(0)
    for percentage in percentages:
        running += percentage
        upper = int((running * SHARE_BASIS / whole).to_integral_value(ROUND_HALF_UP))
        bounds.append((lower, upper))
        lower = upper
    return bounds


def _fill(name):
    table = sa.table(
        name,
        sa.column('id', sa.Integer),
        sa.column('project_id', sa.Integer),
        sa.column('percentage', sa.Numeric(5, 2)),
        sa.column('share_from', sa.Integer),
        sa.column('share_to', sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(table.c.id, table.c.project_id, table.c.percentage).order_by(
            table.c.project_id, table.c.id
        )
    ).all()
    values = []
    for _project, shares in groupby(rows, key=lambda row: row.project_id):
        shares = list(shares)
        for share, (low, high) in zip(shares, _bounds([s.percentage for s in shares])):
            values.append({'row_id': share.id, 'low': low, 'high': high})
    if values:
        connection.execute(
            table.update()
            .where(table.c.id == sa.bindparam('row_id'))
            .values(share_from=sa.bindparam('low'), share_to=sa.bindparam('high')),
            values,
        )


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('share_from', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('share_to', sa.Integer(), nullable=True))
        _fill(name)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('share_from', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('share_to', existing_type=sa.Integer(), nullable=False)
            batch_op.create_check_constraint(
                op.f(f'ck_{name}_share_bounds'),
                f'share_from >= 0 AND share_from < share_to AND share_to <= {SHARE_BASIS}',
            )
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.drop_index('ix_project_funding_year_kind')
        batch_op.create_index(
            'ix_project_funding_year_money',
            ['year', 'kind', 'project_id', 'amount_usd'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.drop_index('ix_project_funding_year_money')
        batch_op.create_index('ix_project_funding_year_kind', ['year', 'kind'], unique=False)
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{name}_share_bounds'), type_='check')
            batch_op.drop_column('share_to')
            batch_op.drop_column('share_from')
