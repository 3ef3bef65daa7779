"""The project form: sections of fields and repeatable rows that work without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
)
from wtforms.fields import DateField
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from portal.extensions import db
from portal.forms import LongTextField, NumberField, TextField, as_id
from portal.money.services import active_currency_codes
from portal.organizations.services import organization_choices
from portal.projects import codes, services
from portal.projects.sources import ADDED_KINDS, MONEY_KIND, REPORTING, SOURCE_KIND
from portal.reference.models import Commune, District, Province, Sector, TechnicalWorkingGroup

REPEATABLE = ("sectors", "locations", "funding", "participants", "documents", "sources")


class SectorRow(Form):
    sector_code = SelectField(_l("Sector"), validators=[Optional()])
    percentage = NumberField(_l("Share (%)"), validators=[Optional()])


class LocationRow(Form):
    province_code = SelectField(_l("Province"), validators=[Optional()])
    district_code = SelectField(_l("District (optional)"), validators=[Optional()])
    commune_code = SelectField(_l("Commune (optional)"), validators=[Optional()])
    percentage = NumberField(_l("Share (%)"), validators=[Optional()])


class FundingRow(Form):
    year = IntegerField(_l("Year"), validators=[Optional()])
    # "" is the reporting partner, "s<n>" the row named sources-<n> (set by `prepare`); a row
    # naming a source no longer listed is refused by the rules, in their words.
    source = SelectField(_l("Source"), validators=[Optional()], validate_choice=False)
    kind = SelectField(
        _l("Kind"), choices=lambda: codes.choices(MONEY_KIND), validators=[Optional()]
    )
    amount = NumberField(_l("Amount"), validators=[Optional()])
    currency = SelectField(_l("Currency"), validators=[Optional()])


class SourceRow(Form):
    kind = SelectField(
        _l("Kind of source"),
        choices=lambda: codes.choices({k: SOURCE_KIND[k] for k in ADDED_KINDS}, "—"),
        validators=[Optional()],
    )
    organization_id = SelectField(_l("Organization"), validators=[Optional()])
    in_kind = BooleanField(_l("In kind"))


class SourceList(FieldList):
    """Source rows that remember the number each was sent with (`sent_index`): WTForms numbers
    the rows again from 0, and the yearly rows name their source by the number sent."""

    def _compact_indices(self):
        for entry in self.entries:
            entry.sent_index = entry.index
        super()._compact_indices()


class ParticipantRow(Form):
    organization_id = SelectField(_l("Organization"), validators=[Optional()])
    role = SelectField(
        _l("Role"), choices=lambda: codes.choices(codes.PARTICIPANT_ROLE), validators=[Optional()]
    )


class DocumentRow(Form):
    title = TextField(_l("Document title"), validators=[Optional(), Length(max=255)])
    url = TextField(
        _l("Link (URL)"),
        validators=[
            Optional(),
            Length(max=1000),
            URL(message=_l("Give a full web address starting with https://.")),
        ],
    )


class ProjectForm(FlaskForm):
    version = HiddenField()
    # Identity
    title_en = TextField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    title_km = TextField(_l("Title in Khmer"), validators=[Optional(), Length(max=500)])
    iati_identifier = TextField(
        _l("IATI activity identifier"),
        validators=[Optional(), Length(max=150)],
        description=_l(
            "Only when your organization publishes this project to IATI: your "
            "organisation identifier, a hyphen, and the activity's own code."
        ),
    )
    partner_ref = TextField(_l("Your own reference"), validators=[Optional(), Length(max=100)])
    description = LongTextField(_l("Description"), validators=[Optional(), Length(max=20000)])
    description_km = LongTextField(
        _l("Description in Khmer"), validators=[Optional(), Length(max=20000)]
    )
    objectives = LongTextField(_l("Objectives"), validators=[Optional(), Length(max=20000)])
    # Organizations
    reporting_org_id = SelectField(
        _l("Reporting development partner"), coerce=int, validators=[DataRequired()]
    )
    lead_national_partner_id = SelectField(
        _l("Lead national partner"),
        validators=[Optional()],
        description=_l(
            "The national institution that owns the project: a ministry or agency, "
            "a sub-national administration, a national NGO or firm. It confirms "
            "the project's alignment."
        ),
    )
    external_lead_partner_id = SelectField(
        _l("External lead partner"),
        validators=[Optional()],
        description=_l("The development partner acting as catalyst, facilitator and adviser."),
    )
    # Status and dates
    status = SelectField(
        _l("Status"),
        choices=lambda: codes.choices(codes.ACTIVITY_STATUS),
        default=codes.IMPLEMENTATION,
    )
    planned_start = DateField(_l("Planned start"), validators=[Optional()])
    planned_end = DateField(_l("Planned end"), validators=[Optional()])
    actual_start = DateField(_l("Actual start"), validators=[Optional()])
    actual_end = DateField(_l("Actual end"), validators=[Optional()])
    # Classification
    twg_id = SelectField(_l("Technical Working Group"), validators=[Optional()])
    type_of_assistance = SelectField(
        _l("Type of assistance"),
        validators=[Optional()],
        choices=lambda: codes.choices(codes.TYPE_OF_ASSISTANCE, "—"),
        description=_l(
            "Grant, loan, technical cooperation (experts, training) or in-kind "
            "(goods and equipment)."
        ),
    )
    modality = SelectField(
        _l("Modality"),
        validators=[Optional()],
        choices=lambda: codes.choices(codes.MODALITY, "—"),
        description=_l(
            "How the money is delivered: as a stand-alone project, through a "
            "program-based approach led by government, or as budget support."
        ),
    )
    finance_type = SelectField(
        _l("IATI finance type"),
        validators=[Optional()],
        choices=lambda: codes.choices(codes.FINANCE_TYPE, "—"),
    )
    aid_type = SelectField(
        _l("IATI aid type"),
        validators=[Optional()],
        choices=lambda: codes.choices(codes.AID_TYPE, "—"),
    )
    flow_type = SelectField(
        _l("IATI flow type"),
        validators=[Optional()],
        choices=lambda: codes.choices(codes.FLOW_TYPE, "—"),
    )
    on_budget = BooleanField(
        _l("On budget"),
        description=_l("Recorded in the national budget approved by the National Assembly."),
    )
    on_treasury = BooleanField(
        _l("On treasury"), description=_l("Disbursed through the national treasury.")
    )
    sectors = FieldList(FormField(SectorRow), min_entries=1)
    # Locations
    nationwide = BooleanField(
        _l("Nationwide"),
        description=_l(
            "The project has no particular location. It is shown as nationwide, never spread "
            "over the provinces."
        ),
    )
    locations = FieldList(FormField(LocationRow), min_entries=1)
    # Money
    commitment_amount = NumberField(_l("Total commitment"), validators=[Optional()])
    commitment_currency = SelectField(_l("Currency of the commitment"), validators=[Optional()])
    commitment_date = DateField(_l("Date of agreement"), validators=[Optional()])
    funding = FieldList(FormField(FundingRow), min_entries=1)
    sources = SourceList(FormField(SourceRow), min_entries=1)
    participants = FieldList(FormField(ParticipantRow), min_entries=1)
    documents = FieldList(FormField(DocumentRow), min_entries=1)
    # Contact
    contact_name = TextField(_l("Contact person"), validators=[Optional(), Length(max=120)])
    contact_email = EmailField(
        _l("Contact email"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )
    contact_phone = TextField(_l("Contact phone"), validators=[Optional(), Length(max=40)])


def _grouped_sectors() -> list[tuple[str, str]]:
    sectors = db.session.scalars(select(Sector).where(~Sector.withdrawn).order_by(Sector.code))
    return [("", "—")] + [(s.code, f"{s.code} {s.name_en}") for s in sectors]


def prepare(form: ProjectForm, *, reporting_choices: list[tuple[int, str]]) -> None:
    """Fill every select of the form (rows included) with its choices."""
    national = [("", "—")] + [(str(i), label) for i, label in organization_choices(True)]
    external = [("", "—")] + [(str(i), label) for i, label in organization_choices(False)]
    everyone = [("", "—")] + [(str(i), label) for i, label in organization_choices()]
    currencies = [(code, code) for code in active_currency_codes()]
    twgs = [("", "—")] + [
        (str(t.id), f"{t.acronym or ''} {t.name_en}".strip())
        for t in db.session.scalars(
            select(TechnicalWorkingGroup)
            .where(TechnicalWorkingGroup.active)
            .order_by(TechnicalWorkingGroup.name_en)
        )
    ]
    provinces = [("", "—")] + [
        (p.code, p.name_en) for p in db.session.scalars(select(Province).order_by(Province.name_en))
    ]
    districts = [("", "—")] + [
        (d.code, f"{d.name_en} ({d.province.name_en})")
        for d in db.session.scalars(
            select(District).join(District.province).order_by(Province.name_en, District.name_en)
        )
    ]
    communes = commune_choices()
    sectors = _grouped_sectors()

    form.reporting_org_id.choices = reporting_choices
    form.lead_national_partner_id.choices = national
    form.external_lead_partner_id.choices = external
    form.twg_id.choices = twgs
    form.commitment_currency.choices = [("", "—"), *currencies]
    for entry in form.sectors:
        entry.form.sector_code.choices = sectors
    for entry in form.locations:
        entry.form.province_code.choices = provinces
        entry.form.district_code.choices = districts
        entry.form.commune_code.choices = communes
    _rename_sources(form)
    source_choices = _source_choices(form, dict(everyone))
    for entry in form.funding:
        entry.form.currency.choices = currencies
        entry.form.source.choices = source_choices
    for entry in form.participants:
        entry.form.organization_id.choices = everyone
    for entry in form.sources:
        entry.form.organization_id.choices = everyone


def _source_key(entry) -> str:
    """The key by which a yearly row names a source row: "s" and the row's number in its name
    (which stays when rows before it are removed, with or without JavaScript)."""
    return "s" + entry.name.rsplit("-", 1)[-1]


def _rename_sources(form: ProjectForm) -> None:
    """Make the yearly rows name their sources by the rows' numbers now (once a request)."""
    if getattr(form, "_sources_renamed", False):
        return
    form._sources_renamed = True
    renamed = {f"s{getattr(e, 'sent_index', e.index)}": _source_key(e) for e in form.sources}
    for entry in form.funding:
        value = entry.form.source.data or ""
        if value and value not in renamed:
            value = "gone-" + value.removeprefix("gone-")  # never another row's new number
        entry.form.source.data = renamed.get(value, value)


def _source_choices(form: ProjectForm, organizations: dict[str, str]) -> list[tuple[str, str]]:
    """The reporting partner, then each source row of the form, for the yearly rows' selects;
    a source no longer listed stays named as such (the rules refuse it), never the partner."""
    choices = [("", str(SOURCE_KIND[REPORTING]))]
    for number, entry in enumerate(form.sources, start=2):
        kind = SOURCE_KIND.get(entry.form.kind.data or "", "")
        who = organizations.get(entry.form.organization_id.data or "", "")
        label = " — ".join(filter(None, [str(kind), who.split(" — ")[0] if who else ""]))
        choices.append((_source_key(entry), f"{number}. {label or '—'}"))
    listed = {value for value, _label in choices}
    for entry in form.funding:
        value = entry.form.source.data or ""
        if value not in listed:
            choices.append((value, str(_l("— a source no longer listed"))))
            listed.add(value)
    return choices


def commune_choices() -> list[tuple[str, str]]:
    """Every commune as (code, 'Commune (District)'), by province, district and name.

    The whole list is sent so that the form works without JavaScript; with it, a row's list
    keeps only the communes of the row's district (their codes start with the district's).
    """
    statement = (
        select(Commune.code, Commune.name_en, District.name_en)
        .join(Commune.district)
        .order_by(District.province_code, District.name_en, Commune.name_en)
    )
    return [("", "—")] + [
        (code, f"{name} ({district})") for code, name, district in db.session.execute(statement)
    ]


def fill_from_project(form: ProjectForm, project) -> None:
    """Put a project's current values in the form (for GET of the edit page)."""
    form.version.data = str(project.version)
    for name in ("lead_national_partner_id", "external_lead_partner_id", "twg_id"):
        value = getattr(project, name)
        getattr(form, name).data = "" if value is None else str(value)
    for entry, participant in zip(form.participants, project.participants, strict=False):
        entry.form.organization_id.data = str(participant.organization_id)
    form.type_of_assistance.data = project.type_of_assistance or ""
    form.modality.data = project.modality or ""
    form.finance_type.data = project.finance_type or ""
    form.aid_type.data = project.aid_type or ""
    form.flow_type.data = project.flow_type or ""
    form.commitment_currency.data = project.commitment_currency or ""
    _fill_sources(form, project)


def _fill_sources(form: ProjectForm, project) -> None:
    """The sources besides the reporting partner as rows, and every source's yearly money in
    the yearly table (the reporting partner's disbursements are there already)."""
    for entry in form.funding:
        entry.form.source.data = ""
    added = [s for s in project.funding_sources if s.kind != REPORTING]
    while form.sources.entries:
        form.sources.pop_entry()
    keys = {}
    for source in sorted(added, key=lambda s: s.position):
        entry = form.sources.append_entry(
            {
                "kind": source.kind,
                "organization_id": ""
                if source.organization_id is None
                else str(source.organization_id),
                "in_kind": source.in_kind,
            }
        )
        keys[source.id] = _source_key(entry)
    if not form.sources.entries:
        form.sources.append_entry()
    for source in project.funding_sources:
        for row in source.amounts:
            entry = form.funding.append_entry(
                {
                    "year": row.year,
                    "kind": row.kind,
                    "amount": row.amount,
                    "currency": row.currency,
                    "source": keys.get(source.id, ""),
                }
            )


# Row fields that always carry a value (a select's first choice), so they say nothing about
# whether the person filled the row in.
_PRESET = ("kind", "role", "currency", "source")


def _blank(row: dict) -> bool:
    return all(value in (None, "", []) for key, value in row.items() if key not in _PRESET)


def _blank_source(row: dict) -> bool:
    """A source row says nothing until it names a kind, an organization or in kind."""
    return not (row["kind"] or row["organization_id"] or row["in_kind"])


def _is_blank(name: str, row: dict) -> bool:
    return _blank_source(row) if name == "sources" else _blank(row)


def _int(value) -> int | None:
    return as_id(value)


def to_data(form: ProjectForm) -> services.ProjectData:
    """Turn a submitted form into ProjectData; blank rows are left out."""

    def rows(name):
        return [
            (i, entry.data)
            for i, entry in enumerate(getattr(form, name))
            if not _is_blank(name, entry.data)
        ]

    listed = [entry for entry in form.sources if not _blank_source(entry.data)]
    positions = {_source_key(entry): i for i, entry in enumerate(listed)}

    def source_of(row: dict) -> int | None:
        key = row.get("source") or ""
        return None if not key else positions.get(key, services.UNLISTED)

    return services.ProjectData(
        title_en=form.title_en.data,
        title_km=form.title_km.data or None,
        iati_identifier=form.iati_identifier.data or None,
        partner_ref=form.partner_ref.data or None,
        description=form.description.data or None,
        objectives=form.objectives.data or None,
        reporting_org_id=form.reporting_org_id.data,
        lead_national_partner_id=_int(form.lead_national_partner_id.data),
        external_lead_partner_id=_int(form.external_lead_partner_id.data),
        status=form.status.data,
        planned_start=form.planned_start.data,
        planned_end=form.planned_end.data,
        actual_start=form.actual_start.data,
        actual_end=form.actual_end.data,
        twg_id=_int(form.twg_id.data),
        type_of_assistance=form.type_of_assistance.data or None,
        modality=form.modality.data or None,
        finance_type=form.finance_type.data or None,
        aid_type=form.aid_type.data or None,
        flow_type=form.flow_type.data or None,
        on_budget=form.on_budget.data,
        on_treasury=form.on_treasury.data,
        nationwide=form.nationwide.data,
        commitment_amount=form.commitment_amount.data,
        commitment_currency=form.commitment_currency.data or None,
        commitment_date=form.commitment_date.data,
        contact_name=form.contact_name.data or None,
        contact_email=form.contact_email.data or None,
        contact_phone=form.contact_phone.data or None,
        sectors=[
            services.SectorShare(r["sector_code"], r["percentage"]) for _i, r in rows("sectors")
        ],
        locations=[
            services.LocationShare(
                r["province_code"],
                r["percentage"],
                r["district_code"] or None,
                r["commune_code"] or None,
            )
            for _i, r in rows("locations")
        ],
        funding=[
            services.YearAmount(r["year"], r["kind"], r["amount"], r["currency"], source_of(r))
            for _i, r in rows("funding")
        ],
        sources=[
            services.SourceData(r["kind"], _int(r["organization_id"]), bool(r["in_kind"]))
            for _i, r in rows("sources")
        ],
        participants=[
            services.Participant(_int(r["organization_id"]), r["role"])
            for _i, r in rows("participants")
        ],
        documents=[services.Document(r["title"], r["url"]) for _i, r in rows("documents")],
    )


def row_positions(form: ProjectForm, name: str) -> list[int]:
    """The positions in the form of the non-blank rows of `name` (to place row errors)."""
    return [i for i, entry in enumerate(getattr(form, name)) if not _is_blank(name, entry.data)]


def place_errors(form: ProjectForm, errors: dict[str, str]) -> list[tuple[str, str]]:
    """Attach service errors to the fields they concern; return the ones with no field."""
    unplaced = []
    positions = {name: row_positions(form, name) for name in REPEATABLE}
    for key, message in errors.items():
        name, _sep, rest = key.partition("-")
        if name in REPEATABLE and rest:
            index, _sep, field_name = rest.partition("-")
            entry = getattr(form, name).entries[positions[name][int(index)]]
            entry.form[field_name].errors = [*entry.form[field_name].errors, message]
        elif key in form._fields and key not in REPEATABLE:
            field = form[key]
            field.errors = [*field.errors, message]
        else:
            unplaced.append((key, message))
    return unplaced
