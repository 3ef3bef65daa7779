"""Communes as a location level: project_location.commune_code.

- commune_code names a commune of the gazetteer; a row with a commune also names its district
  (ck_project_location_commune_in_district), so district figures still read district_code.
- uq_project_location and uq_project_location_place now include the commune: a project lists
  a place (a commune, a district or a province as a whole) once. The expression index is
  dropped before the table is rebuilt (SQLite batch mode cannot copy it) and made again after.

Revision ID: c9862fd68ea3
Revises: 6a701e49c186
Create Date: 2026-12-08 09:11:46.076775
"""

from alembic import op
import sqlalchemy as sa


revision = 'c9862fd68ea3'
down_revision = '6a701e49c186'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('uq_project_location_place', table_name='project_location')
    with op.batch_alter_table('project_location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_code', sa.String(length=6), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_project_location'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_project_location'),
            ['project_id', 'province_code', 'district_code', 'commune_code'],
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_project_location_commune_code_commune'),
            'commune',
            ['commune_code'],
            ['code'],
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_project_location_commune_in_district'),
            'commune_code IS NULL OR district_code IS NOT NULL',
        )
    op.create_index(
        'uq_project_location_place',
        'project_location',
        ['project_id', sa.text('coalesce(commune_code, district_code, province_code)')],
        unique=True,
    )


def downgrade():
    op.drop_index('uq_project_location_place', table_name='project_location')
    op.execute('DELETE FROM project_location WHERE commune_code IS NOT NULL')
    with op.batch_alter_table('project_location', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('ck_project_location_commune_in_district'), type_='check'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_project_location_commune_code_commune'), type_='foreignkey'
        )
        batch_op.drop_constraint(batch_op.f('uq_project_location'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_project_location'), ['project_id', 'province_code', 'district_code']
        )
        batch_op.drop_column('commune_code')
    op.create_index(
        'uq_project_location_place',
        'project_location',
        ['project_id', sa.text('coalesce(district_code, province_code)')],
        unique=True,
    )
