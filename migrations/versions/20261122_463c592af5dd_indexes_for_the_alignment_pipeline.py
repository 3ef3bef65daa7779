"""indexes for the alignment pipeline

Revision ID: 463c592af5dd
Revises: 679a790cfeee
Create Date: 2026-11-22 09:30:00.000000

The scorecards count each (lead, partner) pair's projects by state from one index, which also
serves a ministry's own projects (it replaces the index on the lead partner alone); the newest
disputed figures come from an index on (status, updated_at), which replaces the one on status.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '463c592af5dd'
down_revision = '679a790cfeee'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_lead_national_partner_id')
        batch_op.create_index(
            'ix_project_lead_partner_state',
            ['lead_national_partner_id', 'reporting_org_id', 'workflow_state'],
            unique=False,
        )
    with op.batch_alter_table('government_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_government_figure_status')
        batch_op.create_index(
            'ix_government_figure_status_updated', ['status', 'updated_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('government_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_government_figure_status_updated')
        batch_op.create_index('ix_government_figure_status', ['status'], unique=False)
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_lead_partner_state')
        batch_op.create_index(
            'ix_project_lead_national_partner_id', ['lead_national_partner_id'], unique=False
        )
