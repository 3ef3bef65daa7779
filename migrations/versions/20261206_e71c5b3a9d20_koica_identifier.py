"""KOICA's IATI organisation identifier is KR-GOV-051, not KR-GOV-010

Revision ID: e71c5b3a9d20
Revises: d3f9a7c21e64
Create Date: 2026-12-06 12:30:00.000000

Written by hand; data only. The demo registry gave the Korea International Cooperation Agency
KR-GOV-010, which is Korea's Office for Government Policy Coordination (the body that reports
Korea's aid to IATI); KOICA is KR-GOV-051. An organization named KOICA that still has the wrong
identifier gets the right one (unless another organization already holds KR-GOV-051), and the
demo projects' identifiers built on it follow. Projects of real files keep what their publisher
wrote. Downgrading changes nothing back: the old identifier was wrong.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e71c5b3a9d20'
down_revision = 'd3f9a7c21e64'
branch_labels = None
depends_on = None

OLD, NEW = 'KR-GOV-010', 'KR-GOV-051'


def upgrade():
    bind = op.get_bind()
    taken = bind.execute(
        sa.text("SELECT count(*) FROM organization WHERE iati_ref = :new"), {"new": NEW}
    ).scalar()
    if taken:
        return
    koica = bind.execute(
        sa.text("SELECT id FROM organization WHERE acronym = 'KOICA' AND iati_ref = :old"),
        {"old": OLD},
    ).scalar()
    if koica is None:
        return
    bind.execute(
        sa.text("UPDATE organization SET iati_ref = :new WHERE id = :id"), {"new": NEW, "id": koica}
    )
    bind.execute(
        sa.text(
            "UPDATE project SET iati_identifier = :new || substr(iati_identifier, :cut) "
            "WHERE reporting_org_id = :id AND data_source = 'demo' "
            "AND iati_identifier LIKE :pattern"
        ),
        {"new": NEW, "cut": len(OLD) + 1, "id": koica, "pattern": OLD + "-%"},
    )


def downgrade():
    pass
