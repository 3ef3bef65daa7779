"""a project's participants include the extending organizations IATI files name

Revision ID: f4a2c9e1b7d3
Revises: c21391991f8a
Create Date: 2026-12-06 13:00:00.000000

Written by hand. IATI names an extending organization (role 3: the one that manages the funds
for the funder); imports dropped them and round trips lost them. A participant may now have the
role 'extending' beside 'funding' and 'implementing'.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f4a2c9e1b7d3'
down_revision = 'c21391991f8a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_participant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_project_participant_known_role'), type_='check')
        batch_op.create_check_constraint(
            'known_role', "role IN ('funding', 'extending', 'implementing')"
        )


def downgrade():
    op.execute("DELETE FROM project_participant WHERE role = 'extending'")
    with op.batch_alter_table('project_participant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_project_participant_known_role'), type_='check')
        batch_op.create_check_constraint('known_role', "role IN ('funding', 'implementing')")
