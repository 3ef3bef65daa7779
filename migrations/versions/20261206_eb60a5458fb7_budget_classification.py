"""Budget classification: the national budget's programme tree and each project's codes.

Adds `budget_node` (ministry/chapter -> programme -> sub-programme, English and Khmer names,
retired rather than deleted once used), `project_budget` (a project's mapping as a whole, with
its version) and `project_budget_line` (one code a line, with its percentage and share bounds).
Nothing existing changes: a project without a mapping keeps its typed on-budget field.

Revision ID: eb60a5458fb7
Revises: 5a1e7c3d9b20
Create Date: 2026-12-06 09:37:56.590699
"""

import sqlalchemy as sa
from alembic import op

revision = "eb60a5458fb7"
down_revision = "5a1e7c3d9b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "budget_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("name_km", sa.String(length=255), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("starter", sa.Boolean(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(level = 'ministry') = (parent_id IS NULL)",
            name=op.f("ck_budget_node_only_ministries_are_roots"),
        ),
        sa.CheckConstraint(
            "level IN ('ministry', 'programme', 'subprogramme')",
            name=op.f("ck_budget_node_known_level"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_budget_node_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["budget_node.id"], name=op.f("fk_budget_node_parent_id_budget_node")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_node")),
        sa.UniqueConstraint("code", name=op.f("uq_budget_node_code")),
    )
    with op.batch_alter_table("budget_node", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_node_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_node_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "project_budget",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_budget_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_budget_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_budget")),
    )
    op.create_table(
        "project_budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("percentage", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("share_from", sa.Integer(), nullable=False),
        sa.Column("share_to", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "percentage > 0 AND percentage <= 100",
            name=op.f("ck_project_budget_line_percentage_range"),
        ),
        sa.CheckConstraint(
            "share_from >= 0 AND share_from < share_to AND share_to <= 1000000000",
            name=op.f("ck_project_budget_line_share_bounds"),
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["budget_node.id"], name=op.f("fk_project_budget_line_node_id_budget_node")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["budget_node.id"],
            name=op.f("fk_project_budget_line_programme_id_budget_node"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_budget.project_id"],
            name=op.f("fk_project_budget_line_project_id_project_budget"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_budget_line")),
        sa.UniqueConstraint("project_id", "node_id", name="uq_project_budget_line"),
    )
    with op.batch_alter_table("project_budget_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_budget_line_node_id"), ["node_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_project_budget_line_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_project_budget_line_project_id"), ["project_id"], unique=False
        )


def downgrade():
    op.drop_table("project_budget_line")
    op.drop_table("project_budget")
    op.drop_table("budget_node")
