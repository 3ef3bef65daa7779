"""Joint review reports: the generation jobs, and the issued reports that never change."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Base, utcnow

JOB_STATES = {
    "queued": _l("Waiting to start"),
    "running": _l("Being generated"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}


class ReportJob(Base):
    """One generation of a report's PDF, run outside the request; its progress is kept here.

    The PDF stays with the job as a draft until someone issues it (which copies it into an
    `IssuedReport`).
    """

    __tablename__ = "report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    params: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    page_count: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # The complete lists of the report's long sections (XLSX), also attached inside the PDF.
    workbook: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    workbook_sha256: Mapped[str | None] = mapped_column(String(64))
    # CDC's own words: {"introduction" or a section's key: {"en": text, "km": text}}
    # (portal.reports.commentary); written on the draft, copied as is when it is issued.
    commentary: Mapped[dict | None] = mapped_column(JSON)

    created_by: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return str(JOB_STATES.get(self.state, self.state))


class IssuedReport(Base):
    """A report as issued: its PDF (with its workbook of complete lists), parameters, issuer,
    data time and SHA-256, never changed.

    Only `published_at` (set when CDC makes an issued report public) may change after issuing;
    any other change is refused before it reaches the database.
    """

    __tablename__ = "issued_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_job.id", ondelete="SET NULL"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(4))
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    commentary: Mapped[dict | None] = mapped_column(JSON)
    # The complete lists as issued (the PDF holds the same bytes as its attachment); None for
    # a report without long lists, or issued before workbooks existed.
    workbook: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    workbook_sha256: Mapped[str | None] = mapped_column(String(64))

    issued_by: Mapped[User | None] = relationship()


MUTABLE_AFTER_ISSUE = {"published_at"}


class IssuedReportChanged(RuntimeError):
    """An attempt to change what an issued report holds."""


@event.listens_for(IssuedReport, "before_update")
def _refuse_changes(mapper, connection, target) -> None:
    from sqlalchemy import inspect

    state = inspect(target)
    changed = {
        attr.key
        for attr in state.attrs
        if attr.key not in MUTABLE_AFTER_ISSUE and attr.history.has_changes()
    }
    if changed:
        raise IssuedReportChanged(
            f"issued report {target.id} cannot change ({', '.join(sorted(changed))})"
        )
