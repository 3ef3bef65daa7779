"""An index of the loans, with what the dashboard's loan figures read of them.

Revision ID: b72c4e1d9a03
Revises: a61bd9464cea
Create Date: 2026-12-15 09:00:00

A partial index of the projects that lend (type of assistance "loan" or an IATI finance type
4xx): the dashboard's loan figures and grant equivalents read the loans without scanning every
project. Nothing but the index is added or dropped.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b72c4e1d9a03'
down_revision = 'a61bd9464cea'
branch_labels = None
depends_on = None

LOAN_CONDITION = "type_of_assistance = 'loan' OR finance_type LIKE '4%'"


def upgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(
            'ix_project_loans',
            [
                'id', 'published_at', 'commitment_usd', 'reporting_org_id', 'commitment_date',
                'actual_start', 'planned_start',
            ],
            unique=False,
            sqlite_where=sa.text(LOAN_CONDITION),
            postgresql_where=sa.text(LOAN_CONDITION),
        )


def downgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_loans')
