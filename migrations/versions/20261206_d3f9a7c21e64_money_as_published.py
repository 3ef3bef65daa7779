"""money as publishers publish it: a year may net negative, an amount may wait for its rate

Revision ID: d3f9a7c21e64
Revises: a5b13ef34012
Create Date: 2026-12-06 12:00:00.000000

Written by hand. Real IATI files publish refunds, reversals and de-obligations, so a year's
disbursements can add up to less than zero; the import keeps them as published and data quality
flags the year, instead of refusing the activity. The check on the sign of project_funding and
round_snapshot_funding amounts goes; the registry's rules still refuse a negative amount a person
types.

An imported amount in a currency CDC has no rate for yet (XDR, NOK, DKK in real files) is kept
in its currency with no rate and no USD value, instead of refusing the activity; adding the rate
fills both in. The rate and USD columns of both tables become nullable.

Downgrading puts the checks and NOT NULL back, and fails while such an amount is stored.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd3f9a7c21e64'
down_revision = 'a5b13ef34012'
branch_labels = None
depends_on = None

TABLES = ('project_funding', 'round_snapshot_funding')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_amount_not_negative'), type_='check')
            batch_op.alter_column('rate', existing_type=sa.Numeric(20, 8), nullable=True)
            batch_op.alter_column('amount_usd', existing_type=sa.BigInteger(), nullable=True)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('amount_usd', existing_type=sa.BigInteger(), nullable=False)
            batch_op.alter_column('rate', existing_type=sa.Numeric(20, 8), nullable=False)
            batch_op.create_check_constraint('amount_not_negative', 'amount >= 0')
