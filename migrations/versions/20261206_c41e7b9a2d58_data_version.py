"""data version: one counter raised by every committed change of the data, for cached downloads

Revision ID: c41e7b9a2d58
Revises: 3f8a6c2d9e17
Create Date: 2026-12-06 03:40:00.000000

Written by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41e7b9a2d58'
down_revision = '3f8a6c2d9e17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.execute("INSERT INTO data_version (id, version, changed_at) VALUES (1, 1, CURRENT_TIMESTAMP)")


def downgrade():
    op.drop_table('data_version')
