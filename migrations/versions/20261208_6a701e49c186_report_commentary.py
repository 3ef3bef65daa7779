"""CDC's introduction and commentary of a joint review report

Revision ID: 6a701e49c186
Revises: b6e2d41f0a93
Create Date: 2026-12-08 09:00:00.000000

The draft (report_job) keeps the texts CDC writes, in English and Khmer; issuing copies them
into the issued report, which never changes. Existing reports have none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a701e49c186'
down_revision = 'b6e2d41f0a93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commentary', sa.JSON(), nullable=True))
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commentary', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_column('commentary')
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_column('commentary')
