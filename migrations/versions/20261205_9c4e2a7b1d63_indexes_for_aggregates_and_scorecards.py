"""indexes for the aggregates and the scorecards

Revision ID: 9c4e2a7b1d63
Revises: 463c592af5dd
Create Date: 2026-12-05 13:15:00.000000

- ix_project_summary holds every column of a project the aggregates and the scorecards read,
  so they scan it instead of the table's wide rows. On PostgreSQL the project table gets no
  parallel workers (parallel_workers = 0): that cheap scan would otherwise be split over
  workers whose start-up costs more than it saves, on cores other requests need.
- uq_project_location_place allows one row a place (a district, or a province as a whole) in a
  project; the unique constraint on (project, province, district) let a province without
  district appear twice, since NULLs differ. The aggregates count a district's projects by its
  rows because of it. The portal's forms have always refused such a repeat ("This place is
  listed twice"); a database holding one anyway stops here with the unique violation.
- ix_workflow_transition_state_project replaces the index on to_state alone: the projects that
  reached a state and the waits of the confirmations are read from it alone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e2a7b1d63'
down_revision = '463c592af5dd'
branch_labels = None
depends_on = None

SUMMARY = [
    'id',
    'published_at',
    'reporting_org_id',
    'lead_national_partner_id',
    'workflow_state',
    'status',
    'start_year',
    'end_year',
    'type_of_assistance',
    'modality',
    'on_budget',
    'nationwide',
    'commitment_usd',
    'disbursed_usd',
    'planned_usd',
    'commitment_date',
    'actual_start',
    'planned_start',
]


def _postgresql():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    op.create_index('ix_project_summary', 'project', SUMMARY, unique=False)
    if _postgresql():
        op.execute('ALTER TABLE project SET (parallel_workers = 0)')
    op.create_index(
        'uq_project_location_place',
        'project_location',
        ['project_id', sa.text('coalesce(district_code, province_code)')],
        unique=True,
    )
    op.create_index(
        'ix_workflow_transition_state_project',
        'workflow_transition',
        ['to_state', 'project_id', 'waited_days'],
        unique=False,
    )
    op.drop_index('ix_workflow_transition_to_state', table_name='workflow_transition')


def downgrade():
    op.create_index(
        'ix_workflow_transition_to_state', 'workflow_transition', ['to_state'], unique=False
    )
    op.drop_index('ix_workflow_transition_state_project', table_name='workflow_transition')
    op.drop_index('uq_project_location_place', table_name='project_location')
    if _postgresql():
        op.execute('ALTER TABLE project RESET (parallel_workers)')
    op.drop_index('ix_project_summary', table_name='project')
