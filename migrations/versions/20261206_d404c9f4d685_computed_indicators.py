"""Indicators computed from the portal's data: a commitment's measure and scope, CDC's overrides

Revision ID: d404c9f4d685
Revises: c9862fd68ea3
Create Date: 2026-12-06 09:13:55.938008

Existing commitments stay unlinked (their leads keep reporting the values); an override is a
period's value typed by CDC instead of the computed one, always with its reason.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d404c9f4d685"
down_revision = "c9862fd68ea3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commitment_value_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(reason) > 0", name=op.f("ck_commitment_value_override_reason_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["user_account.id"],
            name=op.f("fk_commitment_value_override_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
            name=op.f("fk_commitment_value_override_commitment_id_commitment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_value_override")),
        sa.UniqueConstraint("commitment_id", "period", name="uq_commitment_value_override"),
    )
    with op.batch_alter_table("commitment_value_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_value_override_commitment_id"),
            ["commitment_id"],
            unique=False,
        )

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measure", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("measure_organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("measure_sector", sa.String(length=5), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_commitment_measure_organization_id_organization"),
            "organization",
            ["measure_organization_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_commitment_measure_organization_id_organization"), type_="foreignkey"
        )
        batch_op.drop_column("measure_sector")
        batch_op.drop_column("measure_organization_id")
        batch_op.drop_column("measure")

    with op.batch_alter_table("commitment_value_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_value_override_commitment_id"))

    op.drop_table("commitment_value_override")
