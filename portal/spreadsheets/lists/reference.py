"""Downloads of the accounts and reference-data lists (CDC)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import Organization
from portal.organizations.services import search_statement
from portal.reference import services as reference
from portal.reference.models import District, Sector, TechnicalWorkingGroup
from portal.spreadsheets.lists.registry import cdc, integer_arg, register
from portal.strategy.models import StrategyFramework, StrategyNode


@register("users", _l("Accounts"), cdc)
def users(args, user):
    """Accounts, with the search, role filter and order of the accounts page."""
    statement = select(User).join(User.organization)
    query = (args.get("q") or "").strip()
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.name).like(like),
                func.lower(User.email).like(like),
                func.lower(Organization.acronym).like(like),
            )
        )
    role = args.get("role", "")
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == Role(role))
    sort = args.get("sort", "name")
    sorts = {
        "name": User.name,
        "email": User.email,
        "role": User.role,
        "last_login": User.last_login_at,
    }
    column = sorts.get(sort.lstrip("-"), User.name)
    statement = statement.order_by(column.desc() if sort.startswith("-") else column, User.id)
    header = [
        _("Name"),
        _("Email"),
        _("Organization"),
        _("Role"),
        _("Language"),
        _("Active"),
        _("Last login"),
    ]
    rows = [
        [u.name, u.email, u.organization.acronym, u.role.label, u.locale, u.active, u.last_login_at]
        for u in db.session.scalars(statement)
    ]
    return header, rows


@register("organizations", _l("Organizations"), cdc)
def organizations(args, user):
    """Organizations, with the search, group and kind filters of their page."""
    statement = search_statement(
        (args.get("q") or "").strip(), args.get("group", ""), args.get("kind", "")
    )
    sorts = {
        "acronym": Organization.acronym,
        "name": Organization.name_en,
        "kind": Organization.kind,
    }
    sort = args.get("sort", "acronym")
    column = sorts.get(sort.lstrip("-"), Organization.acronym)
    statement = statement.order_by(
        column.desc() if sort.startswith("-") else column, Organization.id
    )
    header = [
        _("Acronym"),
        _("Name"),
        _("Name in Khmer"),
        _("Kind"),
        _("National"),
        _("IATI identifier"),
        _("IATI organisation type"),
        _("Active"),
    ]
    rows = [
        [
            o.acronym,
            o.name_en,
            o.name_km,
            o.kind.label,
            o.is_national,
            o.iati_ref,
            o.iati_type,
            o.active,
        ]
        for o in db.session.scalars(statement)
    ]
    return header, rows


@register("sectors", _l("Sectors"), cdc)
def sectors(args, user):
    """DAC sector codes, with the search and category filter of the sectors page."""
    statement = select(Sector).order_by(Sector.code)
    query = (args.get("q") or "").strip()
    if query:
        statement = statement.where(
            or_(
                Sector.code.startswith(query),
                func.lower(Sector.name_en).like(f"%{query.lower()}%"),
                Sector.name_km.like(f"%{query}%"),
            )
        )
    if args.get("category"):
        statement = statement.where(Sector.category_code == args["category"])
    header = [_("Code"), _("Name"), _("Name in Khmer"), _("Category"), _("Withdrawn")]
    rows = [
        [s.code, s.name_en, s.name_km, s.category_code, s.withdrawn]
        for s in db.session.scalars(statement)
    ]
    return header, rows


@register("twgs", _l("Technical Working Groups"), cdc)
def twgs(args, user):
    """The Technical Working Groups."""
    groups = db.session.scalars(
        select(TechnicalWorkingGroup).order_by(TechnicalWorkingGroup.name_en)
    )
    header = [_("Acronym"), _("Name"), _("Name in Khmer"), _("Active")]
    return header, [[g.acronym, g.name_en, g.name_km, g.active] for g in groups]


@register("provinces", _l("Provinces"), cdc)
def provinces(args, user):
    """Provinces with how many districts and communes each has."""
    districts, communes = reference.province_counts()
    header = [_("Code"), _("Name"), _("Name in Khmer"), _("Districts"), _("Communes")]
    rows = [
        [p.code, p.name_en, p.name_km, districts.get(p.code, 0), communes.get(p.code, 0)]
        for p in reference.provinces()
    ]
    return header, rows


@register("districts", _l("Districts"), cdc)
def districts(args, user):
    """Districts, of one province (?province=code) or all."""
    statement = select(District).order_by(District.code)
    if args.get("province"):
        statement = statement.where(District.province_code == args["province"])
    header = [_("Province"), _("Code"), _("Name"), _("Name in Khmer")]
    rows = [[d.province_code, d.code, d.name_en, d.name_km] for d in db.session.scalars(statement)]
    return header, rows


@register("exchange_rates", _l("Exchange rates"), cdc)
def exchange_rates(args, user):
    """Yearly exchange rates, of one year (?year=) or all."""
    statement = select(ExchangeRate).order_by(ExchangeRate.year.desc(), ExchangeRate.currency_code)
    year = integer_arg(args, "year")
    if year:
        statement = statement.where(ExchangeRate.year == year)
    header = [_("Year"), _("Currency"), _("Units per USD"), _("Source"), _("Last updated")]
    rows = [
        [r.year, r.currency_code, r.units_per_usd, r.source, r.updated_at]
        for r in db.session.scalars(statement)
    ]
    return header, rows


@register("frameworks", _l("Strategy frameworks"), cdc)
def frameworks(args, user):
    """The national strategy frameworks."""
    items = db.session.scalars(
        select(StrategyFramework).order_by(StrategyFramework.start_year.desc())
    )
    header = [
        _("Code"),
        _("Name"),
        _("Name in Khmer"),
        _("Start year"),
        _("End year"),
        _("Current"),
    ]
    return header, [
        [f.code, f.name_en, f.name_km, f.start_year, f.end_year, f.is_current] for f in items
    ]


@register("strategy_nodes", _l("Pillars and priorities"), cdc)
def strategy_nodes(args, user):
    """The pillars and priorities of one framework (?framework=id), in their order."""
    statement = (
        select(StrategyNode)
        .where(StrategyNode.framework_id == (integer_arg(args, "framework") or 0))
        .order_by(StrategyNode.parent_id.is_not(None), StrategyNode.position, StrategyNode.id)
    )
    header = [_("Code"), _("Kind"), _("Name"), _("Name in Khmer"), _("Part of")]
    rows = [
        [n.code, n.kind.value, n.name_en, n.name_km, n.parent.code if n.parent else None]
        for n in db.session.scalars(statement)
    ]
    return header, rows
