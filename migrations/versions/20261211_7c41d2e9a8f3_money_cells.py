"""Each project's money split into cells by year, sector and place, kept current.

Revision ID: 7c41d2e9a8f3
Revises: 28b5eaccef27
Create Date: 2026-12-11 09:00:00

The table money_cell holds each project's commitment, actual and planned disbursements, and
those of each other kind of funding source, already split over its years, sectors and places
(see portal/aggregates/cells.py). The upgrade fills it from the data as they are; the downgrade
drops it (nothing but a copy is lost).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c41d2e9a8f3'
down_revision = '28b5eaccef27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('money_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('sector_code', sa.String(length=5), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('district_code', sa.String(length=4), nullable=True),
    sa.Column('commune_code', sa.String(length=6), nullable=True),
    sa.Column('nationwide', sa.Boolean(), nullable=False),
    sa.Column('cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_money_cell_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_cell'))
    )
    with op.batch_alter_table('money_cell', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_cell_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_money_cell_measure', ['measure', 'source', 'year', 'sector_code', 'province_code', 'district_code', 'commune_code', 'nationwide', 'project_id', 'cents'], unique=False)

    from portal.aggregates.cells import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_table('money_cell')
