"""The workbook of a joint review report's complete lists

Revision ID: 7c4e2b9d1f35
Revises: 6c2e1d8f0b55
Create Date: 2026-12-12 09:00:00.000000

A report's long sections show their first entries; the complete lists go into an XLSX workbook
attached inside the PDF and kept beside it, on the draft (report_job) and, once issued, on the
issued report, which never changes. Reports made before have none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4e2b9d1f35'
down_revision = '6c2e1d8f0b55'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('issued_report', 'report_job'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('workbook', sa.LargeBinary(), nullable=True))
            batch_op.add_column(sa.Column('workbook_sha256', sa.String(length=64), nullable=True))


def downgrade():
    for table in ('report_job', 'issued_report'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('workbook_sha256')
            batch_op.drop_column('workbook')
