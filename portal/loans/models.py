"""The terms of a project's loan (IATI `crs-add/loan-terms`).

One row a project for now: the reporting partner's loan. When the portal records funding by
source, the terms will hang off the source that lends (a nullable source column beside the
project's), without changing what is stored here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin
from portal.projects.models import Project

# Percent a year, to four decimals (0.0100 % is JICA's lowest rate).
RatePercent = Numeric(7, 4, asdecimal=True)
Years = Numeric(5, 2, asdecimal=True)

# The bounds the form states and the database keeps: negative reference rates existed (EURIBOR
# and JPY rates went below zero), down to about -1 %; no development loan charges above 30 %.
LOWEST_RATE = Decimal("-1")
HIGHEST_RATE = Decimal("30")
LONGEST_MATURITY = Decimal("100")


class LoanTerms(TimestampMixin, Base):
    """A loan's interest, maturity, grace period and repayment, as signed."""

    __tablename__ = "loan_terms"
    __table_args__ = (
        CheckConstraint("rate_type IN ('fixed', 'variable')", name="known_rate_type"),
        CheckConstraint(
            f"interest_rate IS NULL OR (interest_rate >= {LOWEST_RATE} "
            f"AND interest_rate <= {HIGHEST_RATE})",
            name="interest_rate_range",
        ),
        CheckConstraint(
            f"maturity_years IS NULL OR (maturity_years > 0 "
            f"AND maturity_years <= {LONGEST_MATURITY})",
            name="maturity_range",
        ),
        CheckConstraint(
            "grace_years IS NULL OR (grace_years >= 0 AND "
            "(maturity_years IS NULL OR grace_years <= maturity_years))",
            name="grace_within_maturity",
        ),
        CheckConstraint(
            "repayment_type IS NULL OR repayment_type IN ('1', '2', '3', '5')",
            name="known_repayment_type",
        ),
        CheckConstraint(
            "repayment_plan IS NULL OR repayment_plan IN ('1', '2', '4', '12', '99')",
            name="known_repayment_plan",
        ),
        CheckConstraint(
            "final_repayment IS NULL OR first_repayment IS NULL "
            "OR final_repayment >= first_repayment",
            name="repayments_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    commitment_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str | None] = mapped_column(ForeignKey("currency.code"))
    rate_type: Mapped[str] = mapped_column(String(10), default="fixed", server_default="fixed")
    # The rate the grant element uses: for a variable rate, the reference's value at
    # commitment plus the margin.
    interest_rate: Mapped[Decimal | None] = mapped_column(RatePercent)
    reference_rate: Mapped[str | None] = mapped_column(String(80))  # "6-month SOFR + 0.5"
    maturity_years: Mapped[Decimal | None] = mapped_column(Years)
    grace_years: Mapped[Decimal | None] = mapped_column(Years)
    repayment_type: Mapped[str | None] = mapped_column(String(2))  # IATI LoanRepaymentType
    repayment_plan: Mapped[str | None] = mapped_column(String(2))  # IATI LoanRepaymentPeriod
    first_repayment: Mapped[date | None] = mapped_column(Date)
    final_repayment: Mapped[date | None] = mapped_column(Date)
    commitment_fee: Mapped[Decimal | None] = mapped_column(RatePercent)  # % a year, undrawn
    service_fee: Mapped[Decimal | None] = mapped_column(RatePercent)  # % once, front-end
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The grant element at CDC's discount rate, in basis points (hundredths of a percent, as
    # the portal rounds it); None when the terms cannot give one. Set whenever the terms are
    # written, and for every loan again when CDC changes its rate (portal.loans.services), so
    # that sums over many loans read it rather than work the formula out.
    grant_element_bp: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()

    @property
    def is_complete(self) -> bool:
        """Whether the terms give a grant element (rate, maturity, grace, repayment type)."""
        return (
            self.interest_rate is not None
            and self.maturity_years is not None
            and self.grace_years is not None
            and self.repayment_type is not None
        )
