"""Indexes of the lists: the default order (for everyone and one partner) and the inbox.

Revision ID: 5b1d0c7e9a44
Revises: 7c41d2e9a8f3, 7c4e1f0b2a93
Create Date: 2026-12-12 09:00:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1d0c7e9a44"
down_revision = ("7c41d2e9a8f3", "7c4e1f0b2a93")
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_updated_at")
        batch_op.create_index("ix_project_updated_at_id", ["updated_at", "id"], unique=False)
        batch_op.create_index(
            "ix_project_partner_updated", ["reporting_org_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_project_lead_state_since",
            ["lead_national_partner_id", "workflow_state", "state_changed_at", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_lead_state_since")
        batch_op.drop_index("ix_project_partner_updated")
        batch_op.drop_index("ix_project_updated_at_id")
        batch_op.create_index("ix_project_updated_at", ["updated_at"], unique=False)
