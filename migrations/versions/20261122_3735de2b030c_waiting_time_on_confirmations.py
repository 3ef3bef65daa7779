"""waiting time on confirmations

Revision ID: 3735de2b030c
Revises: 2f3f90f71682
Create Date: 2026-11-22 07:24:22.447508

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3735de2b030c'
down_revision = '2f3f90f71682'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_transition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waited_days', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('workflow_transition', schema=None) as batch_op:
        batch_op.drop_column('waited_days')
