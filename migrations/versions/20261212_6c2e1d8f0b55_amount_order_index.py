"""The index of the list sorted by amount, largest first and empty amounts last (PostgreSQL).

Revision ID: 6c2e1d8f0b55
Revises: 5b1d0c7e9a44
Create Date: 2026-12-12 10:00:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6c2e1d8f0b55"
down_revision = "5b1d0c7e9a44"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite has no NULLS LAST in an index; its NULLs sort first, so the plain index on the
    # amount, read backwards, already gives this order there.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_project_commitment_largest "
            "ON project (commitment_usd DESC NULLS LAST, id DESC)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_project_commitment_largest")
