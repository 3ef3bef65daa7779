"""IATI imports: batches waiting for confirmation, and where a project's values came from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Money, Percent, utcnow

BATCH_STATES = ("preview", "imported", "failed")


class ImportBatch(Base):
    """One upload of IATI activity files: parsed once, kept until confirmed (or cleaned away).

    The parsed activities live here, server-side, so that the preview survives between
    requests and the confirmation writes exactly what was previewed.
    """

    __tablename__ = "iati_import_batch"
    __table_args__ = (
        CheckConstraint("status IN ('preview', 'imported', 'failed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="preview")
    file_names: Mapped[list] = mapped_column(JSON, default=list)
    activity_count: Mapped[int] = mapped_column(Integer, default=0)
    # The parsed activities (portal.iati.parser; those not for Cambodia only as far as their
    # listing needs), and the choices made on the preview page.
    activities: Mapped[list] = mapped_column(JSON, default=list)
    decisions: Mapped[dict | None] = mapped_column(JSON)
    # What the confirmation did: counts, projects written, activities refused and why.
    result: Mapped[dict | None] = mapped_column(JSON)
    # The registered source this batch was read from (a scheduled or on-demand re-import).
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("iati_source.id", ondelete="SET NULL"), index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User")


class IatiRecord(Base):
    """Where a project's values came from: the IATI batch, file and time of the last import."""

    __tablename__ = "iati_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    iati_identifier: Mapped[str] = mapped_column(String(150))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("iati_import_batch.id", ondelete="SET NULL"), index=True
    )
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    source_file: Mapped[str | None] = mapped_column(String(255))
    iati_version: Mapped[str | None] = mapped_column(String(10))
    # The publisher's own last-updated-datetime of the activity, when the file gives it.
    last_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Cambodia's share of a multi-country activity: the amounts were multiplied by it.
    recipient_share: Mapped[Decimal] = mapped_column(Percent, default=Decimal(100))
    # What the activity says that the registry has no field for (portal.iati.extras): other
    # identifiers, related activities, results, loan terms, markers...; shown on the page.
    extras: Mapped[dict | None] = mapped_column(JSON)

    batch: Mapped[ImportBatch | None] = relationship()
    amounts: Mapped[list[IatiAmount]] = relationship(
        primaryjoin="IatiRecord.project_id == foreign(IatiAmount.project_id)",
        order_by="(IatiAmount.kind, IatiAmount.year, IatiAmount.currency)",
        viewonly=True,
    )


class IatiAmount(Base):
    """One IATI money figure of a project, summed by kind, calendar year and currency.

    `kind` is an IATI transaction type code ("1" incoming funds, "2" commitment,
    "3" disbursement, "4" expenditure, ...), "budget" or "planned" (planned disbursement).
    Amounts are Cambodia's share, in the currency of the file, and may be negative (reversals).
    """

    __tablename__ = "iati_amount"
    __table_args__ = (
        UniqueConstraint("project_id", "kind", "year", "currency", name="uq_iati_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    amount: Mapped[Decimal] = mapped_column(Money)


SOURCE_STATES = ("new", "applied", "review", "unchanged", "failed")


class IatiSource(Base):
    """A publisher's IATI file CDC registers, read again on a schedule or on demand.

    Each reading is a batch: applied at once when CDC lets the source apply itself and the
    reading needs no decision (nothing refused, no new organization), else left for review.
    """

    __tablename__ = "iati_source"
    __table_args__ = (
        CheckConstraint(
            "last_status IN ('new', 'applied', 'review', 'unchanged', 'failed')",
            name="known_status",
        ),
        CheckConstraint("every_days BETWEEN 0 AND 366", name="plausible_schedule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # A web address (http or https), or a file name inside PORTAL_IATI_SOURCES_DIR.
    location: Mapped[str] = mapped_column(String(1000))
    every_days: Mapped[int] = mapped_column(Integer, default=7)  # 0: only on demand
    auto_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    default_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_status: Mapped[str] = mapped_column(String(12), default="new")
    last_message: Mapped[str | None] = mapped_column(Text)
    last_counts: Mapped[dict | None] = mapped_column(JSON)
    # Identifiers imported from this source that its last reading no longer has: the
    # projects stay (a publisher dropping an activity deletes nothing), flagged here.
    dropped: Mapped[list | None] = mapped_column(JSON)

    default_lead = relationship("Organization")
