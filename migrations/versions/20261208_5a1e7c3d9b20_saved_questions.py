"""The report builder's saved questions: saved_question (a title and a query behind a link).

Revision ID: 5a1e7c3d9b20
Revises: d404c9f4d685
Create Date: 2026-12-08 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "5a1e7c3d9b20"
down_revision = "d404c9f4d685"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_saved_question_owner_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_question")),
        sa.UniqueConstraint("token", name=op.f("uq_saved_question_token")),
    )
    with op.batch_alter_table("saved_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_question_owner_id"), ["owner_id"], unique=False)


def downgrade():
    with op.batch_alter_table("saved_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_question_owner_id"))
    op.drop_table("saved_question")
