"""The project filters by funding source: who funds a project, and which kinds of source it has.

"Funded by" an organization selects the projects it reports (the reporting partner's source is
the project's reporting organization) and those where it is named on any other source: a
co-financier, or the institution of a counterpart contribution. "With a source of kind" selects
the projects that have at least one source of that kind (co-financed, with a government
counterpart, with another national source); every project has a reporting source, so that kind
is not offered. Both are EXISTS over funding_source, answered from its indexes (organization_id,
and kind with project_id), and narrow the selection independently of each other, like every
other filter.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, or_

from portal.forms import as_id
from portal.projects.models import Project
from portal.projects.sources import COFINANCIER, COUNTERPART, NATIONAL, FundingSource

# The kinds of source a filter can ask for, with their labels as a choice of the filter.
SOURCE_FILTER_KINDS = {
    COFINANCIER: _l("Co-financed"),
    COUNTERPART: _l("With a government counterpart"),
    NATIONAL: _l("With another national source"),
}


def funded_by_clause(organization_id: int) -> ColumnElement[bool]:
    """SQL: the project is reported by the organization or names it on one of its sources."""
    return or_(
        Project.reporting_org_id == organization_id,
        exists().where(
            FundingSource.project_id == Project.id,
            FundingSource.organization_id == organization_id,
        ),
    )


def source_kind_clause(kind: str) -> ColumnElement[bool]:
    """SQL: the project has at least one source of `kind`."""
    return exists().where(FundingSource.project_id == Project.id, FundingSource.kind == kind)


def read_kind(value: str) -> str:
    """A kind the filter knows, or '' for anything else."""
    value = (value or "").strip()
    return value if value in SOURCE_FILTER_KINDS else ""


def source_filter_errors(args) -> dict[str, object]:
    """The message of each source filter given in `args` with a value it cannot take (the page
    ignores such a value and says so beside the field)."""
    errors: dict[str, object] = {}
    funded_by = args.get("funded_by", "").strip()
    if funded_by and as_id(funded_by) is None:
        errors["funded_by"] = _l("Choose an organization from the list.")
    kind = args.get("source_kind", "").strip()
    if kind and not read_kind(kind):
        errors["source_kind"] = _l("Choose a kind of source from the list.")
    return errors
