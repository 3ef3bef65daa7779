"""The index of funding sources by kind and project, for the project filter by kind of source.

Revision ID: 7c4e1f0b2a93
Revises: 7c41d2e9a8f3
Create Date: 2026-12-11 12:00:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7c4e1f0b2a93"
down_revision = "7c41d2e9a8f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("funding_source", schema=None) as batch_op:
        batch_op.create_index(
            "ix_funding_source_kind_project", ["kind", "project_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("funding_source", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_source_kind_project")
