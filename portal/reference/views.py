"""Reference data pages: sectors, Technical Working Groups and the gazetteer (CDC)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select

from portal.audit.services import record
from portal.db import paginate
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import organization_choices
from portal.reference import services
from portal.reference.forms import SectorLeadForm, SectorNameForm, TechnicalWorkingGroupForm
from portal.reference.models import (
    Commune,
    District,
    Province,
    Sector,
    SectorCategory,
    SectorLead,
    TechnicalWorkingGroup,
)
from portal.saving import save
from portal.security import cdc_required

bp = Blueprint("reference", __name__, url_prefix="/admin/reference")


@bp.get("/")
@cdc_required
def index():
    """Show the reference lists and how many entries each holds (CDC only)."""
    counts = {
        "provinces": db.session.scalar(select(func.count()).select_from(Province)),
        "districts": db.session.scalar(select(func.count()).select_from(District)),
        "communes": db.session.scalar(select(func.count()).select_from(Commune)),
        "sectors": db.session.scalar(select(func.count()).select_from(Sector)),
        "categories": db.session.scalar(select(func.count()).select_from(SectorCategory)),
        "twgs": db.session.scalar(select(func.count()).select_from(TechnicalWorkingGroup)),
    }
    return render_template("reference/index.html", counts=counts)


@bp.get("/sectors")
@cdc_required
def sectors():
    """List DAC sector codes with search and category filter (CDC only)."""
    q = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    statement = select(Sector).order_by(Sector.code)
    if q:
        statement = statement.where(
            or_(
                Sector.code.startswith(q),
                func.lower(Sector.name_en).like(f"%{q.lower()}%"),
                Sector.name_km.like(f"%{q}%"),
            )
        )
    if category:
        statement = statement.where(Sector.category_code == category)
    page = paginate(db.session, statement, request.args.get("page", 1, type=int), 50)
    categories = list(db.session.scalars(select(SectorCategory).order_by(SectorCategory.code)))
    return render_template(
        "reference/sectors.html", page=page, q=q, category=category, categories=categories
    )


@bp.route("/sectors/<code>", methods=["GET", "POST"])
@cdc_required
def sector(code: str):
    """Give a sector its Khmer name (CDC only); codes and English names come from IATI."""
    sector = db.get_or_404(Sector, code)
    return _khmer_name_page(sector, url_for("reference.sectors", q=sector.code))


def _khmer_name_page(item: Sector | SectorCategory, back: str):
    """The form of a sector's or category's Khmer name: saved, then back to the list."""
    form = SectorNameForm(obj=item)
    status = 200
    if form.validate_on_submit():
        outcome = save(lambda: _save_sector(form, item))
        if outcome.saved:
            flash(_("The sector %(code)s has been saved.", code=item.code), "success")
            return redirect(back)
        status = outcome.status
    return render_template("reference/sector.html", sector=item, form=form), status


def _save_sector(form: SectorNameForm, sector: Sector | SectorCategory) -> None:
    """Write the form's Khmer name into a sector or category, and audit it."""
    sector.name_km = form.name_km.data.strip() or None
    sector.name_km_confirmed = bool(form.name_km_confirmed.data and sector.name_km)
    record(
        "sector.updated",
        user=current_user,
        obj=sector,
        object_id=sector.code,
        name_km=sector.name_km,
        confirmed=sector.name_km_confirmed,
    )


@bp.route("/sectors/categories/<code>", methods=["GET", "POST"])
@cdc_required
def sector_category(code: str):
    """Give a DAC category its Khmer name (CDC only)."""
    category = db.get_or_404(SectorCategory, code)
    return _khmer_name_page(category, url_for("reference.sectors", category=category.code))


@bp.get("/twgs")
@cdc_required
def twgs():
    """List the Technical Working Groups (CDC only)."""
    groups = list(
        db.session.scalars(select(TechnicalWorkingGroup).order_by(TechnicalWorkingGroup.name_en))
    )
    return render_template("reference/twgs.html", groups=groups)


@bp.route("/twgs/new", methods=["GET", "POST"])
@bp.route("/twgs/<int:twg_id>", methods=["GET", "POST"])
@cdc_required
def edit_twg(twg_id: int | None = None):
    """Add or edit a Technical Working Group (CDC only)."""
    group = db.get_or_404(TechnicalWorkingGroup, twg_id) if twg_id else None
    form = TechnicalWorkingGroupForm(obj=group)
    status = 200
    if form.validate_on_submit():
        outcome = save(lambda: _save_twg(form, group))
        if outcome.saved:
            flash(_("The working group has been saved."), "success")
            return redirect(url_for("reference.twgs"))
        status = outcome.status
    return render_template("reference/twg_form.html", form=form, group=group), status


def _save_twg(form: TechnicalWorkingGroupForm, group: TechnicalWorkingGroup | None) -> None:
    """Write the form into `group` (a new one when None) and audit it."""
    if group is None:
        group = TechnicalWorkingGroup()
        db.session.add(group)
    group.name_en = form.name_en.data.strip()
    group.name_km = form.name_km.data.strip() or None
    group.acronym = form.acronym.data.strip() or None
    group.active = form.active.data
    db.session.flush()
    record("twg.saved", user=current_user, obj=group)


@bp.route("/sector-leads", methods=["GET", "POST"])
@cdc_required
def sector_leads():
    """The usual lead institution of each sector, which IATI imports propose (CDC only)."""
    form = SectorLeadForm()
    form.organization_id.choices = organization_choices(national=True)
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.set_sector_lead(
                form.code.data, form.organization_id.data, actor=current_user
            ),
            refusals=(services.SectorLeadRefused,),
        )
        if outcome.saved:
            flash(_("The usual lead of %(code)s has been saved.", code=form.code.data), "success")
            return redirect(url_for("reference.sector_leads"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    rows = db.session.execute(
        select(SectorLead, Organization)
        .join(Organization, Organization.id == SectorLead.organization_id)
        .order_by(SectorLead.code)
    ).all()
    names: dict[str, Sector | SectorCategory] = {
        c.code: c for c in db.session.scalars(select(SectorCategory))
    }
    names.update(
        {
            s.code: s
            for s in db.session.scalars(
                select(Sector).where(Sector.code.in_([lead.code for lead, _org in rows]))
            )
        }
    )
    return render_template("reference/sector_leads.html", form=form, rows=rows, names=names), status


@bp.post("/sector-leads/<code>/remove")
@cdc_required
def remove_sector_lead(code: str):
    """Remove a sector's usual lead (CDC only)."""
    if not FlaskForm().validate_on_submit():  # the CSRF token alone
        abort(400)
    outcome = save(lambda: services.remove_sector_lead(code, actor=current_user))
    if outcome.saved:
        flash(_("The usual lead of %(code)s has been removed.", code=code), "success")
    return redirect(url_for("reference.sector_leads"))


@bp.get("/geography")
@cdc_required
def geography():
    """List provinces with their districts and commune counts (CDC only)."""
    district_counts, commune_counts = services.province_counts()
    provinces = services.provinces()
    return render_template(
        "reference/geography.html",
        provinces=provinces,
        district_counts=district_counts,
        commune_counts=commune_counts,
    )


@bp.get("/geography/<code>")
@cdc_required
def province(code: str):
    """Show a province's districts (CDC only)."""
    province = db.get_or_404(Province, code)
    return render_template("reference/province.html", province=province)


@bp.route("/display", methods=["GET", "POST"])
@cdc_required
def display():
    """How numbers look in the Khmer interface: Western or Khmer digits (CDC chooses)."""
    from portal.i18n import khmer_digits_on
    from portal.reference.forms import DisplayForm

    form = DisplayForm(khmer_digits=khmer_digits_on())
    if form.validate_on_submit():
        services.set_khmer_digits(form.khmer_digits.data, actor=current_user)
        db.session.commit()
        flash(_("Display settings saved."), "success")
        return redirect(url_for("reference.display"))
    return render_template("reference/display.html", form=form)
