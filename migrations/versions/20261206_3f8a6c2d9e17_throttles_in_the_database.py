"""throttles in the database: failed logins and new-password links counted for every worker

Revision ID: 3f8a6c2d9e17
Revises: 5b81c0d2e9a4
Create Date: 2026-12-06 03:10:00.000000

Written by hand. Counts kept before in Redis or in a process's memory are not carried over.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f8a6c2d9e17'
down_revision = '5b81c0d2e9a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle')),
        sa.UniqueConstraint('kind', 'key', name=op.f('uq_throttle_kind')),
    )
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_last_at'), ['last_at'], unique=False)


def downgrade():
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_last_at'))
    op.drop_table('throttle')
