"""The projects of a workflow state, longest in it first: one index (state, since, id).

Revision ID: ab9a7ec4074f
Revises: 8d5f3a1c2b60
Create Date: 2026-12-14 09:00:00

The pipeline's projects waiting longest (and CDC's validation queue) are read from it in order
instead of sorting every project of the state; it also serves whatever the index on the state
alone served, which goes.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "ab9a7ec4074f"
down_revision = "8d5f3a1c2b60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_project_state_since", "project", ["workflow_state", "state_changed_at", "id"]
    )
    op.drop_index("ix_project_workflow_state", table_name="project")


def downgrade():
    op.create_index("ix_project_workflow_state", "project", ["workflow_state"])
    op.drop_index("ix_project_state_since", table_name="project")
