"""The number and money of the projects of each group, kept current by triggers (project_tally).

Revision ID: a61bd9464cea
Revises: ab9a7ec4074f
Create Date: 2026-12-14 10:00:00

One row a group of projects (published or not, reporting partner, lead ministry with 0 for
none, workflow state) with its number of projects and the sums of their commitment,
disbursement and planned money in cents (see portal/projects/tally.py). The upgrade counts them
from the projects as they are and creates the triggers on `project` that keep them current; the
downgrade drops both (nothing but counts is lost).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a61bd9464cea"
down_revision = "ab9a7ec4074f"
branch_labels = None
depends_on = None

# The statements as this revision made them (portal/projects/tally.py makes the same for
# create_all and may change later; a migration does not).
MONEY = ("commitment_usd", "disbursed_usd", "planned_usd")
COLUMNS = ("published_at", "reporting_org_id", "lead_national_partner_id", "workflow_state", *MONEY)
GROUP = "published, reporting_org_id, lead_national_partner_id, workflow_state"
SUMS = "projects, commitment_usd, disbursed_usd, planned_usd"


def _group_of(row):
    return (
        f"{row}published_at IS NOT NULL, {row}reporting_org_id, "
        f"coalesce({row}lead_national_partner_id, 0), {row}workflow_state"
    )


def _take_off(row):
    return (
        "UPDATE project_tally SET projects = projects - 1, "
        + ", ".join(f"{m} = {m} - coalesce({row}{m}, 0)" for m in MONEY)
        + f" WHERE ({GROUP}) = ({_group_of(row)})"
    )


def _add(row):
    return (
        f"INSERT INTO project_tally ({GROUP}, {SUMS}) "
        f"VALUES ({_group_of(row)}, 1, "
        + ", ".join(f"coalesce({row}{m}, 0)" for m in MONEY)
        + f") ON CONFLICT ({GROUP}) DO UPDATE SET projects = project_tally.projects + 1, "
        + ", ".join(f"{m} = project_tally.{m} + excluded.{m}" for m in MONEY)
    )


CHANGED = " OR ".join(
    ["(OLD.published_at IS NULL) <> (NEW.published_at IS NULL)"]
    + [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS[1:]]
)
TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION project_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP <> 'INSERT' THEN {_take_off('OLD.')}; END IF;\n"
        f"  IF TG_OP <> 'DELETE' THEN {_add('NEW.')}; END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        "CREATE TRIGGER project_tally_rows AFTER INSERT OR DELETE ON project "
        "FOR EACH ROW EXECUTE FUNCTION project_tally_keep()",
        f"CREATE TRIGGER project_tally_changes AFTER UPDATE OF {', '.join(COLUMNS)} ON project "
        f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION project_tally_keep()",
    ],
    "sqlite": [
        f"CREATE TRIGGER project_tally_insert AFTER INSERT ON project BEGIN {_add('NEW.')}; END",
        "CREATE TRIGGER project_tally_delete AFTER DELETE ON project "
        f"BEGIN {_take_off('OLD.')}; END",
        f"CREATE TRIGGER project_tally_update AFTER UPDATE OF {', '.join(COLUMNS)} ON project "
        f"WHEN {CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
        f"BEGIN {_take_off('OLD.')}; {_add('NEW.')}; END",
    ],
}
DROPPED = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS project_tally_changes ON project",
        "DROP TRIGGER IF EXISTS project_tally_rows ON project",
        "DROP FUNCTION IF EXISTS project_tally_keep()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS project_tally_update",
        "DROP TRIGGER IF EXISTS project_tally_delete",
        "DROP TRIGGER IF EXISTS project_tally_insert",
    ],
}


def upgrade():
    op.create_table(
        "project_tally",
        sa.Column("published", sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column("reporting_org_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lead_national_partner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workflow_state", sa.String(length=20), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.Column("commitment_usd", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_usd", sa.BigInteger(), nullable=False),
        sa.Column("planned_usd", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "published",
            "reporting_org_id",
            "lead_national_partner_id",
            "workflow_state",
            name=op.f("pk_project_tally"),
        ),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # No project is written between the count and the triggers (the lock is held until
        # the migration commits, as the triggers' creation would hold it).
        op.execute("LOCK TABLE project IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        f"INSERT INTO project_tally ({GROUP}, {SUMS}) "
        f"SELECT {_group_of('')}, count(*), "
        + ", ".join(f"coalesce(sum({m}), 0)" for m in MONEY)
        + f" FROM project GROUP BY {_group_of('')}"
    )
    for statement in TRIGGERS[dialect]:
        op.execute(statement)


def downgrade():
    for statement in DROPPED[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("project_tally")
