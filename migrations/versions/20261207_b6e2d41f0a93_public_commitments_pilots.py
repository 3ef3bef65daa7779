"""Commitments and pilots CDC makes public

Revision ID: b6e2d41f0a93
Revises: f4a2c9e1b7d3
Create Date: 2026-12-07 09:00:00.000000

Nothing becomes public by itself: every existing commitment and pilot stays for logged-in users
until CDC marks it public.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6e2d41f0a93'
down_revision = 'f4a2c9e1b7d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_column('public')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_column('public')
