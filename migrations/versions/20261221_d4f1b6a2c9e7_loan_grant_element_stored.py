"""Each loan's grant element stored with its terms.

Revision ID: d4f1b6a2c9e7
Revises: c3e8a7d2f415
Create Date: 2026-12-21 09:00:00

The column loan_terms.grant_element_bp holds a loan's grant element at CDC's discount rate in
basis points (hundredths of a percent; NULL when the terms cannot give one), so that sums over
many loans read it instead of working the formula out. The upgrade adds it and works it out for
every loan at the rate CDC set (as the portal does when CDC changes it); the downgrade drops it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f1b6a2c9e7'
down_revision = 'c3e8a7d2f415'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loan_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_element_bp', sa.Integer(), nullable=True))

    from portal.loans.services import store_grant_elements

    store_grant_elements(op.get_bind())


def downgrade():
    with op.batch_alter_table('loan_terms', schema=None) as batch_op:
        batch_op.drop_column('grant_element_bp')
