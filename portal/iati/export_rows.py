"""The rows the IATI export is written from: plain rows (no ORM objects), one statement for
each kind of row, for some projects at a time.

Each statement takes the projects' ids as its parameter `ids` (`fetch(STATEMENT, ids)`): on
PostgreSQL one array (`= ANY(:ids)`, a short statement parsed and prepared once), elsewhere an
IN list. Child rows come in the order the activity writes them (their project, then the order
they were written in). Money comes as stored, in whole cents, not as a Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Boolean, Integer, Row, any_, bindparam, select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from portal.budget.models import BudgetNode, ProjectBudgetLine
from portal.extensions import db
from portal.loans.models import LoanTerms
from portal.organizations.models import Organization
from portal.projects.models import (
    Project,
    ProjectDocument,
    ProjectFunding,
    ProjectLocation,
    ProjectParticipant,
    ProjectSector,
)
from portal.projects.sources import FundingSource, SourceFunding
from portal.reference.models import Province
from portal.results.models import IndicatorPeriod, ProjectResult, ResultIndicator


def fetch(statement, ids: Sequence[int]) -> list[Row]:
    """The rows of one of the statements below for the projects (or organizations) `ids`."""
    return list(db.session.execute(statement, {"ids": list(ids)}).all())


class _Among(ColumnElement[bool]):
    """SQL: the column's value is one of the ids given as the parameter `ids` (one array on
    PostgreSQL: a short statement, parsed once; an IN list elsewhere)."""

    inherit_cache = True
    # The column is part of the statement's cache key: each statement is compiled once.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]
    type = Boolean()

    def __init__(self, column) -> None:
        self.column = column


@compiles(_Among)
def _among_as_list(element, compiler, **kw):
    return compiler.process(element.column.in_(bindparam("ids", expanding=True)), **kw)


@compiles(_Among, "postgresql")
def _among_as_array(element, compiler, **kw):
    ids = bindparam("ids", type_=postgresql.ARRAY(Integer))
    return compiler.process(element.column == any_(ids), **kw)


def _cents(column):
    """A Money column as stored, in whole cents (the export writes them without a Decimal)."""
    return type_coerce(column, BigInteger)


_project = Project.__table__.c
PROJECTS = select(
    _project.id,
    _project.iati_identifier,
    _project.title_en,
    _project.title_km,
    _project.description,
    _project.description_km,
    _project.objectives,
    _project.reporting_org_id,
    _project.lead_national_partner_id,
    _project.external_lead_partner_id,
    _project.status,
    _project.planned_start,
    _project.actual_start,
    _project.planned_end,
    _project.actual_end,
    _project.flow_type,
    _project.finance_type,
    _project.aid_type,
    _cents(_project.commitment_amount).label("commitment_cents"),
    _project.commitment_currency,
    _project.commitment_date,
    _project.contact_name,
    _project.contact_email,
    _project.contact_phone,
    _project.created_at,
    _project.updated_at,
).where(_Among(_project.id))

_organization = Organization.__table__.c
ORGANIZATIONS = select(
    _organization.id,
    _organization.name_en,
    _organization.iati_ref,
    _organization.acronym,
    _organization.iati_type,
    _organization.kind,
).where(_Among(_organization.id))

_sector = ProjectSector.__table__.c
SECTORS = (
    select(_sector.project_id, _sector.sector_code, _sector.percentage)
    .where(_Among(_sector.project_id))
    .order_by(_sector.project_id, _sector.id)
)

_location = ProjectLocation.__table__.c
_province = Province.__table__.c
LOCATIONS = (
    select(
        _location.project_id,
        _location.percentage,
        _location.district_code,
        _location.province_code,
        _province.name_en,
    )
    .join_from(Province.__table__, ProjectLocation.__table__)
    .where(_Among(_location.project_id))
    .order_by(_location.project_id, _location.id)
)

_funding = ProjectFunding.__table__.c
FUNDING = (
    select(
        _funding.project_id,
        _funding.year,
        _funding.kind,
        _cents(_funding.amount),
        _funding.currency,
    )
    .where(_Among(_funding.project_id))
    .order_by(_funding.project_id, _funding.id)
)

_participant = ProjectParticipant.__table__.c
PARTICIPANTS = (
    select(_participant.project_id, _participant.organization_id, _participant.role)
    .where(_Among(_participant.project_id))
    .order_by(_participant.project_id, _participant.id)
)

_document = ProjectDocument.__table__.c
DOCUMENTS = (
    select(_document.project_id, _document.title, _document.url)
    .where(_Among(_document.project_id))
    .order_by(_document.project_id, _document.id)
)

_source = FundingSource.__table__.c
SOURCES = (
    select(
        _source.id,
        _source.project_id,
        _source.kind,
        _source.organization_id,
        _source.in_kind,
    )
    .where(_Among(_source.project_id))
    .order_by(_source.project_id, _source.position, _source.id)
)

_amount = SourceFunding.__table__.c
SOURCE_AMOUNTS = (
    select(
        _amount.source_id,
        _amount.year,
        _amount.kind,
        _cents(_amount.amount),
        _amount.currency,
    )
    .join_from(SourceFunding.__table__, FundingSource.__table__)
    .where(_Among(_source.project_id))
    .order_by(_amount.source_id, _amount.year, _amount.kind, _amount.currency)
)

_line = ProjectBudgetLine.__table__.c
_node = BudgetNode.__table__.c
BUDGET_LINES = (
    select(
        _line.project_id,
        _node.code,
        _node.name_en,
        _node.name_km,
        _line.percentage,
    )
    .join_from(ProjectBudgetLine.__table__, BudgetNode.__table__, _line.node_id == _node.id)
    .where(_Among(_line.project_id))
    .order_by(_line.project_id, _line.share_from)
)

_loan = LoanTerms.__table__.c
LOANS = select(
    _loan.project_id,
    _loan.commitment_date,
    _loan.rate_type,
    _loan.interest_rate,
    _loan.reference_rate,
    _loan.maturity_years,
    _loan.grace_years,
    _loan.repayment_type,
    _loan.repayment_plan,
    _loan.first_repayment,
    _loan.final_repayment,
    _loan.commitment_fee,
    _loan.service_fee,
).where(_Among(_loan.project_id))

_result = ProjectResult.__table__.c
RESULTS = (
    select(
        _result.id,
        _result.project_id,
        _result.result_type,
        _result.title,
        _result.description,
        _result.aggregation_status,
        _result.document_links,
    )
    .where(_Among(_result.project_id))
    .order_by(_result.project_id, _result.position, _result.id)
)

_indicator = ResultIndicator.__table__.c
INDICATORS = (
    select(
        _indicator.id,
        _indicator.result_id,
        _indicator.measure,
        _indicator.ascending,
        _indicator.aggregation_status,
        _indicator.title,
        _indicator.description,
        _indicator.references,
        _indicator.baseline_year,
        _indicator.baseline_value,
        _indicator.baseline_comment,
    )
    .join_from(ResultIndicator.__table__, ProjectResult.__table__)
    .where(_Among(_result.project_id))
    .order_by(_indicator.result_id, _indicator.position, _indicator.id)
)

_period = IndicatorPeriod.__table__.c
PERIODS = (
    select(
        _period.indicator_id,
        _period.period_start,
        _period.period_end,
        _period.target_value,
        _period.target_comment,
        _period.actual_value,
        _period.actual_comment,
    )
    .join_from(IndicatorPeriod.__table__, ResultIndicator.__table__)
    .join(ProjectResult.__table__)
    .where(_Among(_result.project_id))
    .order_by(_period.indicator_id, _period.period_start, _period.id)
)
