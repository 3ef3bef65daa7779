"""mail delivery: the outbox keeps each message's state, attempts, last error and languages

Revision ID: a7d3e1f05b42
Revises: 9c4e2a7b1d63
Create Date: 2026-12-06 09:00:00.000000

Written by hand. Messages already in the outbox keep their text: those never sent become
'queued' (due at once, so a configured sender delivers them), those with a sent time 'sent'.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e1f05b42'
down_revision = '9c4e2a7b1d63'
branch_labels = None
depends_on = None

STATES = "state IN ('queued', 'sending', 'sent', 'failed')"


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))

    op.execute("UPDATE outbox_message SET state = 'sent', attempts = 1 WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox_message SET state = 'queued' WHERE sent_at IS NULL")
    op.execute('UPDATE outbox_message SET next_attempt_at = created_at')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f('ck_outbox_message_known_state'), STATES)
        batch_op.create_check_constraint(op.f('ck_outbox_message_attempts_not_negative'), 'attempts >= 0')
        batch_op.create_index('ix_outbox_message_state_due', ['state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_state_due')
        batch_op.drop_constraint(op.f('ck_outbox_message_attempts_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_outbox_message_known_state'), type_='check')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')
        batch_op.drop_column('link')
        batch_op.drop_column('body_html')
        batch_op.drop_column('locale')
