"""Turn the rows of an uploaded workbook into project changes: preview them, then write them.

Rules of the round trip:
- A row with a portal ID changes that project; a row without one registers a new project.
- A blank cell keeps the value the project has: nothing is ever erased by leaving a cell empty.
- The sectors, locations or yearly funding of a project are replaced by its rows in that sheet
  when it has any there; a project with no rows in a sheet keeps what it has.
- The version of each project must be the one the template was made with, as on the project
  form: someone else's later save is never overwritten.
- Every project's rules are checked by the registry's own service; one error anywhere and
  nothing is written.
- Budget codes have their own cell and rules (portal.spreadsheets.budget); funding sources,
  loan terms and results their own sheets (portal.spreadsheets.sources, .loans, .results).
  Whatever an upload changes of a project is written in the one transaction of the file, and
  the project's version rises once when its own fields or sources change; loan terms, results
  and budget codes keep versions of their own, checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects import services
from portal.projects.lookups import Preloaded
from portal.projects.models import Project
from portal.projects.sources import FundingSource
from portal.security import can_edit_project, can_view_project, has_role
from portal.spreadsheets import budget, loans, results, sources
from portal.spreadsheets.budget import BudgetChange, apply_budget, read_budget_cells
from portal.spreadsheets.children import FROM_ROWS
from portal.spreadsheets.compare import (
    CHILD_SHEETS,
    CHILDREN,
    SCALAR_FIELDS,
    Change,
    changes_between,
    data_from_project,
    describe,
    scalar_problem,
)
from portal.spreadsheets.layout import ORGANIZATION_FIELDS, PROJECTS
from portal.spreadsheets.reading import CellError, SheetRow, Workbook


@dataclass
class PlannedProject:
    """What the workbook does to one project."""

    row: int
    project: Project | None
    data: services.ProjectData
    expected_version: int | None = None
    changes: list[Change] = field(default_factory=list)
    child_rows: dict[str, list[int]] = field(default_factory=dict)
    failed: bool = False
    budget: BudgetChange | None = None  # new budget codes from the Projects sheet's cell
    loan: loans.LoanChange | None = None  # new loan terms from the Loan terms sheet
    results: results.ResultsChange | None = None  # from the two results sheets
    # Changes of the sources (set before the comparison) that the project's fields leave out.
    extra_changes: list[Change] = field(default_factory=list)
    project_changed: bool = False  # the project itself is saved (its fields or sources)
    # Where the funding sources and their amounts came from, to place the rules' messages:
    # the number of the reporting partner's rows before the sources' amounts (None: the
    # sources were not read), each source's row, each amount's row (None: kept as it was).
    reporting_count: int | None = None
    source_places: dict[int, int] = field(default_factory=dict)
    source_rows: list[int] = field(default_factory=list)
    amount_places: list[int | None] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.project is None:
            return "new"
        return "changed" if self.changes else "unchanged"

    @property
    def title(self) -> str:
        return self.data.title_en or (self.project.title_en if self.project else "")


@dataclass
class Plan:
    """The preview of an upload: every project it touches, and every problem found."""

    projects: list[PlannedProject]
    errors: list[CellError]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, state: str) -> int:
        return sum(1 for p in self.projects if p.state == state)

    @property
    def to_write(self) -> list[PlannedProject]:
        return [p for p in self.projects if p.state != "unchanged"]


class _Builder:
    """Builds a Plan from a read workbook for one user (the state of one upload)."""

    def __init__(self, user, workbook: Workbook) -> None:
        self.user = user
        self.workbook = workbook
        self.planned: list[PlannedProject] = []
        self.by_key: dict[object, PlannedProject] = {}
        self.places: set[tuple] = set()  # (sheet, row, column) that have a message already
        organizations = list(db.session.scalars(select(Organization)))
        self.org_ids = {o.acronym.casefold(): o.id for o in organizations}
        self.national_ids = {o.id for o in organizations if o.is_national}
        self.acronyms = {o.id: o.acronym for o in organizations}

    def error(self, sheet, row, key, message, planned: PlannedProject | None = None) -> None:
        place = (sheet.key, row, key)
        if planned is not None:
            planned.failed = True
            if place in self.places:
                return
        self.places.add(place)
        self.workbook.error(sheet, row, key, message)

    # --- the Projects sheet ----------------------------------------------------------------

    def read_projects(self) -> None:
        rows = self.workbook.rows.get("projects", [])
        ids = [r.values["id"] for r in rows if isinstance(r.values.get("id"), int)]
        existing = {
            p.id: p
            for p in db.session.scalars(
                select(Project)
                .where(Project.id.in_(ids))
                .options(
                    *(selectinload(getattr(Project, name)) for name in CHILDREN),
                    selectinload(Project.funding_sources).selectinload(FundingSource.amounts),
                )
            )
        }
        for row in rows:
            planned = self._start(row, existing)
            if planned is None:
                continue
            self._merge_scalars(row, planned)
            self.planned.append(planned)
            self._remember(row, planned)

    def _start(self, row: SheetRow, existing: dict) -> PlannedProject | None:
        project_id = row.values.get("id")
        if project_id is None:
            return self._start_new(row)
        project = existing.get(project_id)
        if project is None or not can_view_project(self.user, project):
            self.error(PROJECTS, row.number, "id", _l("There is no project %(id)s.", id=project_id))
            return None
        if not can_edit_project(self.user, project):
            self.error(
                PROJECTS,
                row.number,
                "id",
                _l("You may not change project %(id)s.", id=project_id),
            )
            return None
        planned = PlannedProject(row.number, project, data_from_project(project))
        version = row.values.get("version")
        if version is None:
            self.error(
                PROJECTS,
                row.number,
                "version",
                _l("Keep the version the template gave this project."),
                planned,
            )
        elif version != project.version:
            self.error(
                PROJECTS,
                row.number,
                "version",
                _l(
                    "Project %(id)s was saved in the portal after this file was made (version "
                    "%(theirs)s, the file has %(ours)s). Download a new template, or copy your "
                    "changes into it.",
                    id=project.id,
                    theirs=project.version,
                    ours=version,
                ),
                planned,
            )
        planned.expected_version = version
        return planned

    def _start_new(self, row: SheetRow) -> PlannedProject:
        own = self.user.organization_id
        planned = PlannedProject(row.number, None, services.ProjectData("", own))
        acronym = row.values.get("reporting_org")
        if has_role(self.user, Role.CDC):
            if acronym is None:
                self.error(
                    PROJECTS,
                    row.number,
                    "reporting_org",
                    _l("Name the reporting partner of a new project."),
                    planned,
                )
        elif acronym is not None and self.org_ids.get(str(acronym).casefold()) != own:
            self.error(
                PROJECTS,
                row.number,
                "reporting_org",
                _l("You register projects of your own organization only."),
                planned,
            )
        if row.values.get("title_en") is None:
            message = _l("A new project needs a title.")
            self.error(PROJECTS, row.number, "title_en", message, planned)
        return planned

    def _merge_scalars(self, row: SheetRow, planned: PlannedProject) -> None:
        """Put the row's non-blank cells into the project's data; blank cells keep values."""
        data = planned.data
        for key in SCALAR_FIELDS:
            value = row.values.get(key)
            if value is None:
                continue
            problem = scalar_problem(key, value)
            if problem is not None:
                self.error(PROJECTS, row.number, key, problem, planned)
            else:
                setattr(data, key, value)
        for key, field_name in ORGANIZATION_FIELDS.items():
            acronym = row.values.get(key)
            if acronym is None:
                continue
            org_id = self.org_ids.get(str(acronym).casefold())
            if org_id is None:
                self.error(
                    PROJECTS,
                    row.number,
                    key,
                    _l("No organization has the acronym %(acronym)s.", acronym=acronym),
                    planned,
                )
            elif key == "reporting_org" and planned.project is None and org_id in self.national_ids:
                self.error(
                    PROJECTS,
                    row.number,
                    key,
                    _l("The reporting partner is a development partner, not a national one."),
                    planned,
                )
            elif key == "reporting_org" and planned.project is not None:
                if org_id != planned.project.reporting_org_id:
                    self.error(
                        PROJECTS,
                        row.number,
                        key,
                        _l("The reporting partner of a project is not changed here."),
                        planned,
                    )
            else:
                setattr(data, field_name, org_id)

    def _remember(self, row: SheetRow, planned: PlannedProject) -> None:
        """Index the project by its ID, or (new ones) its reference, for the other sheets."""
        key: int | str | None
        if planned.project is not None:
            key = planned.project.id
        else:
            key = planned.data.partner_ref
            if key is None:
                return
        if key in self.by_key:
            column = "id" if planned.project is not None else "partner_ref"
            self.error(
                PROJECTS,
                row.number,
                column,
                _l("This project is already on row %(row)s.", row=self.by_key[key].row),
                planned,
            )
            return
        self.by_key[key] = planned

    # --- sectors, locations, yearly funding --------------------------------------------------

    def read_children(self) -> None:
        for name, sheet in CHILD_SHEETS.items():
            grouped: dict[int, tuple[PlannedProject, list[SheetRow]]] = {}
            for row in self.workbook.rows.get(sheet.key, []):
                planned = self._owner(sheet, row)
                if planned is not None:
                    grouped.setdefault(id(planned), (planned, []))[1].append(row)
            for planned, rows in grouped.values():
                current = getattr(planned.data, name)
                replaced, problems = FROM_ROWS[name](current, rows)
                setattr(planned.data, name, replaced)
                planned.child_rows[name] = [r.number for r in rows]
                for number, key, message in problems:
                    self.error(sheet, number, key, message, planned)

    def _owner(self, sheet, row: SheetRow) -> PlannedProject | None:
        key = row.values.get("project")
        if key is None:
            self.error(sheet, row.number, "project", _l("Say which project this row is for."))
            return None
        planned = self.by_key.get(key)
        if planned is None:
            self.error(
                sheet,
                row.number,
                "project",
                _l(
                    "No project %(key)s on the Projects sheet (a portal ID, or the reference "
                    "of a new project).",
                    key=key,
                ),
            )
        return planned

    # --- rules and differences ---------------------------------------------------------------

    def check(self) -> None:
        """Compare each project with what it is now; run the registry's rules on the changed."""
        identifiers: dict[str, PlannedProject] = {}
        lookups = Preloaded([planned.data.iati_identifier for planned in self.planned])
        for planned in self.planned:
            after = describe(planned.data, self.acronyms)
            before = (
                describe(data_from_project(planned.project), self.acronyms)
                if planned.project is not None
                else {}
            )
            planned.changes = changes_between(before, after) + planned.extra_changes
            planned.extra_changes = []
            planned.project_changed = bool(planned.changes)
            identifier = planned.data.iati_identifier
            if identifier and identifier in identifiers and identifiers[identifier] is not planned:
                self.error(
                    PROJECTS,
                    planned.row,
                    "iati_identifier",
                    _l("Two projects of this file have this IATI identifier."),
                    planned,
                )
            if identifier:
                identifiers[identifier] = planned
            # Rules run even where cells were refused, so every problem shows at once.
            if planned.state != "unchanged" or planned.failed:
                try:
                    services.validate(planned.data, planned.project, lookups)
                except services.ProjectInvalid as invalid:
                    self._place(planned, invalid.errors)

    def _place(self, planned: PlannedProject, errors: dict[str, str]) -> None:
        """Put each rule's message at the cell it concerns (unless that cell has one already)."""
        fields = {v: k for k, v in ORGANIZATION_FIELDS.items()}
        cells = {"sector_code": "sector", "province_code": "province", "district_code": "district"}
        for name, message in errors.items():
            if sources.place(self, planned, name, message):
                continue
            child, _sep, rest = name.partition("-")
            if child in CHILD_SHEETS and child in planned.child_rows:
                sheet, numbers = CHILD_SHEETS[child], planned.child_rows[child]
                index, _sep, field_name = rest.partition("-")
                if index.isdigit() and int(index) < len(numbers):
                    named = cells.get(field_name, field_name)
                    key = named if any(c.key == named for c in sheet.columns) else None
                    self.error(sheet, numbers[int(index)], key, message, planned)
                else:
                    self.error(sheet, numbers[0], None, message, planned)
                continue
            named = fields.get(name, name)
            key = named if any(c.key == named for c in PROJECTS.columns) else None
            self.error(PROJECTS, planned.row, key, message, planned)


def build_plan(user, workbook: Workbook) -> Plan:
    """Read what the workbook would change, for `user`; nothing is written."""
    builder = _Builder(user, workbook)
    if not any(e.row is None for e in workbook.errors):
        builder.read_projects()
        builder.read_children()
        sources.read_sources(builder)
        builder.check()
        read_budget_cells(user, workbook.rows.get("projects", []), builder.planned, builder.error)
        loans.read_loans(builder)
        results.read_results(builder)
        for planned in builder.planned:
            planned.changes += planned.extra_changes
    return Plan(projects=builder.planned, errors=workbook.errors)


def apply_plan(plan: Plan, user) -> list[Project]:
    """Write every new and changed project (flush only: the caller commits once, or rolls back).

    Refuses with one of REFUSALS if a project, its budget codes, loan terms or results were
    saved since the preview, or a rule no longer holds; the caller then writes nothing.
    """
    saved = []
    for planned in plan.to_write:
        project = planned.project
        if project is None or planned.project_changed:
            data = replace(planned.data)
            if project is None:
                data.data_source = "spreadsheet"
            project = services.save_project(
                data, actor=user, project=project, expected_version=planned.expected_version
            )
        apply_budget(planned, project, user)
        loans.apply_loan(planned, project, user)
        results.apply_results(planned, project, user)
        saved.append(project)
    return saved


# What a confirmation may meet: someone saved in between, or a rule no longer holds.
REFUSALS = (
    services.ProjectInvalid,
    services.EditConflict,
    StaleDataError,
    *budget.REFUSALS,
    *loans.REFUSALS,
    *results.REFUSALS,
)
