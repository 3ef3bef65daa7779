"""reports have an audience: withdraw the publication of every issued report that is not public

Revision ID: b8db8eac09f5
Revises: c41e7b9a2d58
Create Date: 2026-12-06 10:30:00.000000

Written by hand; data only. A report's parameters now say who it was built for: "public"
(published projects only) or "internal" (as CDC sees the data). Reports issued before carry no
audience: they were built as CDC sees the data, so they are internal, and a published one puts
unpublished projects, figure threads and the quality annex in front of anyone. Their
publication is withdrawn (the PDF stays, issued and unchanged, for CDC), with an audit entry
for each. Downgrading changes nothing: publishing them again would leak again.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8db8eac09f5'
down_revision = 'c41e7b9a2d58'
branch_labels = None
depends_on = None

issued_report = sa.table(
    'issued_report',
    sa.column('id', sa.Integer),
    sa.column('params', sa.JSON),
    sa.column('published_at', sa.DateTime(timezone=True)),
)
audit_event = sa.table(
    'audit_event',
    sa.column('at', sa.DateTime(timezone=True)),
    sa.column('user_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.String),
    sa.column('remote_addr', sa.String),
    sa.column('detail', sa.JSON),
)


def _is_public(params):
    """portal.reports.params.audience_of as it was when this migration was written."""
    return ((params or {}).get('audience') or 'internal') == 'public'


def upgrade():
    connection = op.get_bind()
    published = connection.execute(
        sa.select(issued_report.c.id, issued_report.c.params).where(
            issued_report.c.published_at.is_not(None)
        )
    ).all()
    leaking = sorted(row.id for row in published if not _is_public(row.params))
    if not leaking:
        return
    connection.execute(
        issued_report.update()
        .where(issued_report.c.id.in_(leaking))
        .values(published_at=None)
    )
    now = datetime.now(timezone.utc)
    connection.execute(
        audit_event.insert(),
        [
            {
                'at': now,
                'user_id': None,
                'action': 'report_withdrawn',
                'object_type': 'IssuedReport',
                'object_id': str(report_id),
                'remote_addr': None,
                'detail': {'reason': 'internal edition: only a public edition may be published'},
            }
            for report_id in leaking
        ],
    )


def downgrade():
    pass
