"""Funding by source: each project's funding sources and the yearly money each records.

Revision ID: 28b5eaccef27
Revises: 25f38a8dcff9
Create Date: 2026-12-10 09:53:32.360598

Every project gets its reporting source (the reporting partner, read from the project). The
reporting partner's actual and planned disbursements stay where they are (project_funding), so
every project's commitment, disbursed and planned totals and every yearly row are unchanged; the
new table source_funding holds the other sources' money and every source's commitments signed
and expenditure by year (see portal/projects/sources.py).

The downgrade drops both tables. It refuses while they hold anything the older schema cannot
keep (a source other than the reporting partner, or any row of source_funding), since that money
would be lost without a word; `flask db downgrade -x drop_sources=yes` drops it knowingly.
"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '28b5eaccef27'
down_revision = '25f38a8dcff9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('in_kind', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("NOT in_kind OR kind = 'counterpart'", name=op.f('ck_funding_source_in_kind_counterpart')),
    sa.CheckConstraint("kind <> 'cofinancier' OR organization_id IS NOT NULL", name=op.f('ck_funding_source_cofinancier_named')),
    sa.CheckConstraint("kind <> 'reporting' OR organization_id IS NULL", name=op.f('ck_funding_source_reporting_unnamed')),
    sa.CheckConstraint("kind IN ('reporting', 'cofinancier', 'counterpart', 'national')", name=op.f('ck_funding_source_known_kind')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_funding_source_organization_id_organization')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_funding_source_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_source'))
    )
    with op.batch_alter_table('funding_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_source_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_source_project_id'), ['project_id'], unique=False)
        batch_op.create_index('uq_funding_source_reporting', ['project_id'], unique=True, sqlite_where=sa.text("kind = 'reporting'"), postgresql_where=sa.text("kind = 'reporting'"))

    op.create_table('source_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('amount_usd', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('commitment', 'disbursement', 'planned', 'expenditure')", name=op.f('ck_source_funding_known_kind')),
    sa.ForeignKeyConstraint(['currency'], ['currency.code'], name=op.f('fk_source_funding_currency_currency')),
    sa.ForeignKeyConstraint(['source_id'], ['funding_source.id'], name=op.f('fk_source_funding_source_id_funding_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_funding')),
    sa.UniqueConstraint('source_id', 'year', 'kind', 'currency', name='uq_source_funding')
    )
    with op.batch_alter_table('source_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_funding_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_source_funding_year_money', ['year', 'kind', 'source_id', 'amount_usd'], unique=False)

    # Every project's reporting partner, in one statement whatever the number of projects.
    op.execute(
        "INSERT INTO funding_source (project_id, kind, organization_id, in_kind, position) "
        "SELECT id, 'reporting', NULL, false, 0 FROM project"
    )


def _would_lose(connection) -> tuple[int, int]:
    sources = connection.scalar(sa.text("SELECT count(*) FROM funding_source WHERE kind <> 'reporting'"))
    amounts = connection.scalar(sa.text("SELECT count(*) FROM source_funding"))
    return sources or 0, amounts or 0


def downgrade():
    sources, amounts = _would_lose(op.get_bind())
    if (sources or amounts) and context.get_x_argument(as_dictionary=True).get("drop_sources") != "yes":
        raise RuntimeError(
            f"{sources} funding sources besides the reporting partners and {amounts} yearly "
            "amounts of sources would be lost: the older schema has no place for them. Export "
            "them first, then run `flask db downgrade -x drop_sources=yes` to drop them."
        )
    with op.batch_alter_table('source_funding', schema=None) as batch_op:
        batch_op.drop_index('ix_source_funding_year_money')
        batch_op.drop_index(batch_op.f('ix_source_funding_source_id'))

    op.drop_table('source_funding')
    with op.batch_alter_table('funding_source', schema=None) as batch_op:
        batch_op.drop_index('uq_funding_source_reporting', sqlite_where=sa.text("kind = 'reporting'"), postgresql_where=sa.text("kind = 'reporting'"))
        batch_op.drop_index(batch_op.f('ix_funding_source_project_id'))
        batch_op.drop_index(batch_op.f('ix_funding_source_organization_id'))

    op.drop_table('funding_source')
