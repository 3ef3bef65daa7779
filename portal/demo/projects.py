"""Synthetic demo projects: plausible, clearly marked as demo, fast to generate.

Every project is built in memory with the values the registry's own services would store
(USD at the year's rate, totals, years, stored quality), then written with bulk Core inserts
in batches. Primary keys are assigned here (from the table's largest id), so sectors,
locations, yearly funding and documents can refer to their project without a round trip.

Generation is deterministic: project number n is always drawn from the same random stream,
so a larger `count` later adds exactly the projects a single larger run would have made.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from multiprocessing import get_all_start_methods, get_context
from types import SimpleNamespace

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.db import Base
from portal.demo import bulk
from portal.demo.loans import demo_terms
from portal.demo.organizations import DEMO_USERS, DEVELOPMENT_PARTNERS
from portal.extensions import db
from portal.loans import services as loan_services
from portal.loans.models import LoanTerms
from portal.money.services import load_rates
from portal.organizations.models import NATIONAL_KINDS, Organization
from portal.projects import codes, quality
from portal.projects.funding import ensure_reporting_sources
from portal.projects.models import (
    Project,
    ProjectDocument,
    ProjectFunding,
    ProjectLocation,
    ProjectSector,
    share_bounds,
)
from portal.projects.sources import FundingSource
from portal.reference.models import District, Province, Sector, TechnicalWorkingGroup

DEMO_SEED = 20261122
DEMO_REF_PREFIX = "DEMO-"
BATCH = 1000
# Batches drawn ahead of the one written, and from how many batches other processes draw them.
AHEAD = 4
PROCESS_FROM = 10
CENT = Decimal("0.01")
ONE = Decimal(1)
FIRST_RATE_YEAR, LAST_RATE_YEAR = 1995, 2030


@dataclass(frozen=True)
class Theme:
    """A kind of project: its title, Khmer title, sectors, lead ministries and TWG."""

    title: str
    title_km: str
    purpose: str
    sectors: tuple[str, ...]
    ministries: tuple[str, ...]
    twg: str | None
    nationwide_share: float = 0.06


THEMES = {
    "water": Theme(
        "Rural water supply and sanitation",
        "ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ",
        "brings piped and protected drinking water and household latrines to rural villages",
        ("14030", "14031", "14032"),
        ("MRD",),
        "TWG-AW",
    ),
    "urban_water": Theme(
        "Urban water supply",
        "ការផ្គត់ផ្គង់ទឹកស្អាតក្នុងទីក្រុង",
        "expands treatment capacity and the distribution network of provincial waterworks",
        ("14021", "14022"),
        ("MISTI",),
        "TWG-IRI",
    ),
    "health": Theme(
        "Primary health care strengthening",
        "ការពង្រឹងការថែទាំសុខភាពបឋម",
        "improves the quality of services at health centres and referral hospitals",
        ("12220", "12230", "12110"),
        ("MOH",),
        "TWG-H",
    ),
    "mch": Theme(
        "Maternal, newborn and child health",
        "សុខភាពមាតា ទារកទើបកើត និងកុមារ",
        "reduces maternal and newborn deaths through skilled birth attendance and "
        "emergency obstetric care",
        ("13020", "12220", "12240"),
        ("MOH",),
        "TWG-H",
    ),
    "malaria": Theme(
        "Malaria elimination",
        "ការលុបបំបាត់ជំងឺគ្រុនចាញ់",
        "supports village malaria workers, bed nets and case surveillance",
        ("12262", "12250"),
        ("MOH",),
        "TWG-H",
    ),
    "tb": Theme(
        "Tuberculosis control",
        "ការទប់ស្កាត់ជំងឺរបេង",
        "finds and treats tuberculosis cases earlier through community screening",
        ("12263", "12250"),
        ("MOH",),
        "TWG-H",
    ),
    "hiv": Theme(
        "HIV prevention and care",
        "ការបង្ការ និងថែទាំជំងឺអេដស៍",
        "sustains HIV testing, treatment and prevention among key populations",
        ("13040", "16064"),
        ("MOH",),
        "TWG-HIV",
    ),
    "health_finance": Theme(
        "Health financing and equity funds",
        "ហិរញ្ញប្បទានសុខាភិបាល",
        "extends health equity fund coverage so poor households pay nothing at public facilities",
        ("12110", "16012"),
        ("MOH", "MEF"),
        "TWG-H",
        0.3,
    ),
    "rural_roads": Theme(
        "Climate-resilient rural roads",
        "ផ្លូវជនបទធន់នឹងការប្រែប្រួលអាកាសធាតុ",
        "upgrades rural roads and culverts to withstand floods",
        ("21021", "21022", "41010"),
        ("MRD", "MPWT"),
        "TWG-IRI",
    ),
    "national_roads": Theme(
        "National road rehabilitation",
        "ការស្ដារផ្លូវជាតិឡើងវិញ",
        "rehabilitates and widens a national road section and its bridges",
        ("21023", "21024"),
        ("MPWT",),
        "TWG-IRI",
    ),
    "teachers": Theme(
        "Teacher training",
        "ការបណ្ដុះបណ្ដាលគ្រូបង្រៀន",
        "upgrades teacher qualifications and in-service training in core subjects",
        ("11130", "11220"),
        ("MOEYS",),
        "TWG-ED",
    ),
    "primary_ed": Theme(
        "Primary education quality improvement",
        "ការលើកកម្ពស់គុណភាពអប់រំបឋមសិក្សា",
        "improves reading and mathematics in primary schools through materials, "
        "school grants and mentoring",
        ("11220", "11120", "11250"),
        ("MOEYS",),
        "TWG-ED",
    ),
    "early_ed": Theme(
        "Early childhood education",
        "ការអប់រំកុមារតូច",
        "opens community pre-schools and trains their teachers",
        ("11240",),
        ("MOEYS",),
        "TWG-ED",
    ),
    "tvet": Theme(
        "Technical and vocational skills development",
        "ការអភិវឌ្ឍជំនាញបច្ចេកទេស និងវិជ្ជាជីវៈ",
        "modernises technical training institutes and links courses to employers",
        ("11330", "16020"),
        ("MLVT", "MOEYS"),
        "TWG-ED",
    ),
    "irrigation": Theme(
        "Irrigation rehabilitation",
        "ការស្ដារប្រព័ន្ធធារាសាស្ត្រ",
        "rehabilitates irrigation schemes and strengthens farmer water user communities",
        ("31140", "14040"),
        ("MOWRAM",),
        "TWG-AW",
    ),
    "agri": Theme(
        "Agricultural value chain development",
        "ការអភិវឌ្ឍខ្សែសង្វាក់តម្លៃកសិកម្ម",
        "helps smallholder farmers raise yields and sell to processors and markets",
        ("31120", "31166", "32161"),
        ("MAFF",),
        "TWG-AW",
    ),
    "fisheries": Theme(
        "Community fisheries management",
        "ការគ្រប់គ្រងសហគមន៍នេសាទ",
        "supports community fisheries to protect fish stocks and conservation areas",
        ("31320", "31310"),
        ("MAFF",),
        "TWG-FI",
    ),
    "forestry": Theme(
        "Community forestry",
        "ការគ្រប់គ្រងព្រៃឈើសហគមន៍",
        "secures community forest agreements and livelihoods from forest products",
        ("31220", "41030"),
        ("MAFF", "MOE"),
        "TWG-FR",
    ),
    "decentralisation": Theme(
        "Sub-national democratic development",
        "ការអភិវឌ្ឍតាមបែបប្រជាធិបតេយ្យនៅថ្នាក់ក្រោមជាតិ",
        "strengthens district and commune administrations to plan and deliver local services",
        ("15112", "15185"),
        ("NCDDS", "MOI"),
        "TWG-D&D",
        0.25,
    ),
    "pfm": Theme(
        "Public financial management reform",
        "កំណែទម្រង់ការគ្រប់គ្រងហិរញ្ញវត្ថុសាធារណៈ",
        "supports budget planning, the financial management information system and internal audit",
        ("15111", "15117"),
        ("MEF",),
        "TWG-PFM",
        0.8,
    ),
    "social_protection": Theme(
        "Social protection for poor households",
        "ការគាំពារសង្គមសម្រាប់គ្រួសារក្រីក្រ",
        "delivers cash transfers to poor and vulnerable households",
        ("16010", "16011"),
        ("MOSVY", "MEF"),
        "TWG-SP",
        0.3,
    ),
    "electricity": Theme(
        "Rural electrification",
        "ការផ្គត់ផ្គង់អគ្គិសនីជនបទ",
        "extends the distribution grid and solar home systems to rural villages",
        ("23631", "23231"),
        ("MME",),
        "TWG-IRI",
    ),
    "land": Theme(
        "Land registration",
        "ការចុះបញ្ជីដីធ្លី",
        "completes systematic land registration and issues land titles",
        ("43041", "31130"),
        ("MLMUPC",),
        "TWG-L",
    ),
    "mines": Theme(
        "Mine clearance and explosive remnants of war",
        "ការបោសសម្អាតមីន និងសំណល់ជាតិផ្ទុះពីសង្គ្រាម",
        "clears contaminated land and releases it for farming",
        ("15250",),
        ("MOI",),
        "TWG-MA",
    ),
    "disaster": Theme(
        "Flood and disaster risk reduction",
        "ការកាត់បន្ថយហានិភ័យគ្រោះមហន្តរាយ និងទឹកជំនន់",
        "improves early warning and protects communities from floods and drought",
        ("43060", "74020", "15143"),
        ("MOWRAM", "MOI"),
        "TWG-AW",
    ),
    "gender": Theme(
        "Women's economic empowerment",
        "ការលើកកម្ពស់សេដ្ឋកិច្ចស្ត្រី",
        "helps women entrepreneurs grow their businesses and prevents gender-based violence",
        ("15170", "15180"),
        ("MOWA",),
        "TWG-G",
        0.2,
    ),
    "nutrition": Theme(
        "Nutrition and food security",
        "អាហារូបត្ថម្ភ និងសន្តិសុខស្បៀង",
        "reduces child stunting through nutrition counselling and home gardens",
        ("43072", "12240"),
        ("MAFF", "MOH"),
        "TWG-FSN",
    ),
    "sme": Theme(
        "SME and private sector development",
        "ការអភិវឌ្ឍសហគ្រាសធុនតូច និងមធ្យម",
        "gives small and medium enterprises access to finance and business services",
        ("32130", "25030"),
        ("MISTI",),
        "TWG-PSD",
        0.3,
    ),
    "trade": Theme(
        "Trade facilitation",
        "ការសម្រួលពាណិជ្ជកម្ម",
        "simplifies customs procedures and border clearance",
        ("33120",),
        ("MEF",),
        "TWG-T",
        0.6,
    ),
    "justice": Theme(
        "Legal and judicial reform",
        "កំណែទម្រង់ច្បាប់ និងប្រព័ន្ធយុត្តិធម៌",
        "strengthens courts, legal aid and the drafting of laws",
        ("15130",),
        ("MOJ", "MOI"),
        "TWG-LJR",
        0.6,
    ),
    "climate": Theme(
        "Climate change adaptation",
        "ការបន្សាំនឹងការប្រែប្រួលអាកាសធាតុ",
        "helps vulnerable communities adapt farming and water use to a changing climate",
        ("41010", "41020", "43060"),
        ("MOE",),
        None,
    ),
    "digital": Theme(
        "Digital government",
        "រដ្ឋាភិបាលឌីជីថល",
        "builds shared digital public services and data systems",
        ("22040",),
        ("MPTC",),
        "TWG-PAR",
        0.8,
    ),
    "waste": Theme(
        "Solid waste management",
        "ការគ្រប់គ្រងសំណល់រឹង",
        "improves collection and landfill of municipal solid waste",
        ("14050",),
        ("MOE",),
        None,
    ),
}

# Which themes a partner works on (others work on any theme); the rest of the world is random.
PARTNER_FOCUS = {
    "GF": ("malaria", "tb", "hiv"),
    "WHO": ("health", "mch", "malaria", "tb", "health_finance"),
    "UNFPA": ("mch", "gender", "hiv"),
    "UNICEF": ("early_ed", "primary_ed", "mch", "nutrition", "water", "social_protection"),
    "WFP": ("nutrition", "primary_ed", "disaster"),
    "FAO": ("agri", "fisheries", "forestry", "nutrition"),
    "IFAD": ("agri", "irrigation", "climate"),
    "ADB": (
        "national_roads",
        "rural_roads",
        "irrigation",
        "urban_water",
        "tvet",
        "pfm",
        "agri",
        "electricity",
        "trade",
        "health",
    ),
    "WB": (
        "health_finance",
        "primary_ed",
        "decentralisation",
        "pfm",
        "land",
        "social_protection",
        "rural_roads",
        "irrigation",
        "disaster",
    ),
    "JICA": (
        "national_roads",
        "urban_water",
        "irrigation",
        "health",
        "teachers",
        "electricity",
        "mines",
        "justice",
        "digital",
    ),
    "CHINA": ("national_roads", "electricity", "irrigation", "agri"),
    "KOICA": ("rural_roads", "health", "water", "tvet", "digital", "agri"),
    "KFW": ("health_finance", "rural_roads", "electricity", "decentralisation"),
    "GIZ": ("decentralisation", "tvet", "land", "justice", "social_protection"),
    "AFD": ("urban_water", "agri", "waste", "tvet", "irrigation"),
    "OXFAM": ("water", "gender", "disaster", "fisheries"),
    "SCI": ("primary_ed", "early_ed", "mch", "nutrition"),
    "WVI": ("water", "nutrition", "early_ed", "mch"),
}

# Relative number of projects per partner.
PARTNER_WEIGHT = {
    "JICA": 10,
    "ADB": 8,
    "WB": 6,
    "EU": 6,
    "KOICA": 6,
    "CHINA": 6,
    "USAID": 6,
    "DFAT": 5,
    "GIZ": 5,
    "UNDP": 5,
    "UNICEF": 5,
    "AFD": 4,
    "KFW": 3,
    "SIDA": 3,
    "SDC": 3,
    "WHO": 3,
    "WFP": 3,
    "FAO": 3,
    "WVI": 3,
    "FCDO": 2,
    "UNFPA": 2,
    "IFAD": 2,
    "GF": 2,
    "OXFAM": 2,
    "SCI": 2,
    "NZMFAT": 1,
    "GAC": 1,
    "UNOPS": 1,
}
LENDERS = {"ADB", "WB", "JICA", "CHINA", "KFW", "AFD", "KOICA", "IFAD"}

# The currency a partner typically commits in: (currency, probability) in order; else USD.
PARTNER_CURRENCY = {
    "JICA": (("JPY", 0.7),),
    "EU": (("EUR", 1.0),),
    "AFD": (("EUR", 1.0),),
    "GIZ": (("EUR", 1.0),),
    "KFW": (("EUR", 1.0),),
    "KOICA": (("KRW", 0.8),),
    "DFAT": (("AUD", 1.0),),
    "FCDO": (("GBP", 1.0),),
    "SIDA": (("SEK", 1.0),),
    "CHINA": (("CNY", 0.6),),
    "SDC": (("CHF", 1.0),),
    "NZMFAT": (("NZD", 1.0),),
    "GAC": (("CAD", 1.0),),
}
# Provincial administrations that sometimes lead a project in their own province.
PROVINCIAL_LEADS = {"12": "PP-CH", "17": "SR-PA", "02": "BB-PA", "03": "KC-PA"}
CROSS_CUTTING = ("15170", "41010", "43060", "15110", "16050")

FIRST_NAMES = (
    "Sokha",
    "Dara",
    "Bopha",
    "Vannak",
    "Sreymom",
    "Rithy",
    "Chenda",
    "Piseth",
    "Sophea",
    "Kosal",
    "Maria",
    "Hiroshi",
    "Claire",
    "Ananya",
    "James",
    "Min-jun",
    "Anna",
    "Lars",
    "Wei",
    "Sarah",
)
LAST_NAMES = (
    "Chan",
    "Kim",
    "Lim",
    "Heng",
    "Phan",
    "Sok",
    "Chea",
    "Ouk",
    "Meas",
    "Seng",
    "Tanaka",
    "Santos",
    "Dubois",
    "Rao",
    "Smith",
    "Park",
    "Schmidt",
    "Nilsson",
    "Li",
    "Brown",
)
ROMAN = {2: "II", 3: "III", 4: "IV"}
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


@dataclass
class _Context:
    """Everything generation reads from the database, loaded once."""

    today: date
    now: datetime
    partners: list
    partner_weights: list
    national_by_acronym: dict
    any_national: list
    twg_ids: dict
    theme_sectors: dict
    sector_set: frozenset
    provinces: list
    districts: dict
    rates: dict
    user_of_org: dict


def _load_context() -> _Context | None:
    orgs = list(db.session.scalars(select(Organization).where(Organization.active)))
    national = [o for o in orgs if o.kind in NATIONAL_KINDS]
    external = [o for o in orgs if o.kind not in NATIONAL_KINDS]
    demo_acronyms = {acronym for acronym, *_rest in DEVELOPMENT_PARTNERS}
    partners = sorted(
        (o for o in external if o.acronym in demo_acronyms), key=lambda o: o.acronym
    ) or sorted(external, key=lambda o: o.acronym)
    if not partners or not national:
        return None
    national_by_acronym = {o.acronym.upper(): o for o in national}
    sectors = list(
        db.session.execute(
            select(Sector.code, Sector.name_en)
            .where(Sector.withdrawn.is_(False))
            .order_by(Sector.code)
        )
    )
    codes_available = {code for code, _name in sectors}
    if not codes_available:
        return None
    theme_sectors = {}
    for key, theme in THEMES.items():
        found = [c for c in theme.sectors if c in codes_available]
        if not found:  # a trimmed codelist: any code of the theme's 3-digit categories
            found = sorted(c for c in codes_available if c[:3] in {s[:3] for s in theme.sectors})
        theme_sectors[key] = found or sorted(codes_available)[:1]
    provinces = list(
        db.session.execute(
            select(Province.code, Province.name_en, Province.name_km).order_by(Province.code)
        )
    )
    if not provinces:
        return None
    districts: dict[str, list[str]] = {}
    for code, province_code in db.session.execute(
        select(District.code, District.province_code).order_by(District.code)
    ):
        districts.setdefault(province_code, []).append(code)
    demo_emails = [email for email, _name, _org, role in DEMO_USERS if role == Role.DP.value]
    user_of_org: dict[int, int] = {}
    for user_id, org_id in db.session.execute(
        select(User.id, User.organization_id)
        .where(User.email.in_(demo_emails), User.role == Role.DP)
        .order_by(User.id)
    ):
        user_of_org.setdefault(org_id, user_id)
    now = datetime.now(UTC).replace(microsecond=0)
    return _Context(
        today=date.today(),
        now=now,
        partners=partners,
        partner_weights=[PARTNER_WEIGHT.get(o.acronym, 1) for o in partners],
        national_by_acronym=national_by_acronym,
        any_national=sorted(national, key=lambda o: o.acronym),
        twg_ids={t.acronym: t.id for t in db.session.scalars(select(TechnicalWorkingGroup))},
        theme_sectors=theme_sectors,
        sector_set=frozenset(codes_available),
        provinces=provinces,
        districts=districts,
        rates=load_rates(),
        user_of_org=user_of_org,
    )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return date(year, month % 12 + 1, min(day.day, 28))


def _shares(rng: random.Random, n: int) -> list[Decimal]:
    """n percentages (two decimals, each > 0) that add up to exactly 100, largest first."""
    if n <= 1:
        return [Decimal(100)] * n
    presets = {
        2: ((50, 50), (60, 40), (70, 30), (75, 25), (80, 20)),
        3: ((50, 30, 20), (60, 25, 15), (40, 40, 20), (70, 20, 10)),
        4: ((40, 30, 20, 10), (25, 25, 25, 25), (50, 20, 20, 10)),
    }
    if rng.random() < 0.15:  # an even split as people type it: 33.34, 33.33, 33.33
        base = (Decimal(100) / n).quantize(CENT, rounding=ROUND_DOWN)
        values = [base] * n
        values[0] += Decimal(100) - base * n
        return values
    return [Decimal(v) for v in rng.choice(presets[n])]


def _nice(amount: float) -> Decimal:
    """Round to three significant figures, as agreements state amounts."""
    if amount < 1000:
        return Decimal(max(1, round(amount)))
    step = 10 ** (int(math.log10(amount)) - 2)
    return Decimal(round(amount / step) * step)


def _rate(ctx: _Context, currency: str, year: int) -> Decimal:
    return ONE if currency == "USD" else Decimal(ctx.rates[(currency, year)])


def _usd(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _currency(ctx: _Context, rng: random.Random, acronym: str, years: set[int]) -> str:
    for currency, probability in PARTNER_CURRENCY.get(acronym, ()):
        if rng.random() < probability:
            if all((currency, y) in ctx.rates for y in years):
                return currency
            break
    return "USD"


def _place_km(name_km: str | None, name_en: str) -> str:
    if not name_km:
        return name_en
    return name_km if name_km.startswith(("រាជធានី", "ក្រុង")) else "ខេត្ត" + name_km


def _lower_first(title: str) -> str:
    """'Teacher training' -> 'teacher training', but 'HIV ...' and 'SME ...' stay."""
    if len(title) > 1 and title[1].isupper():
        return title
    return title[0].lower() + title[1:]


def _join(names: list[str], conjunction: str, comma: str) -> str:
    if len(names) == 1:
        return names[0]
    return comma.join(names[:-1]) + conjunction + names[-1]


def _lead_partner(ctx: _Context, rng: random.Random, theme: Theme, provinces: list):
    for code, _en, _km in provinces:
        admin = PROVINCIAL_LEADS.get(code)
        if admin and admin in ctx.national_by_acronym and rng.random() < 0.15:
            return ctx.national_by_acronym[admin]
    candidates = [
        ctx.national_by_acronym[a] for a in theme.ministries if a in ctx.national_by_acronym
    ]
    if candidates:
        return candidates[0] if rng.random() < 0.75 else rng.choice(candidates)
    return ctx.national_by_acronym.get("MEF") or rng.choice(ctx.any_national)


def _dates(rng: random.Random, today: date):
    """(status, planned_start, planned_end, actual_start, actual_end)."""
    years = list(range(1996, 2030))
    weights = [
        1 + 0.12 * (y - 1996) if y <= today.year else max(1.0, 6 - 1.5 * (y - today.year))
        for y in years
    ]
    start_year = rng.choices(years, weights)[0]
    planned_start = date(start_year, rng.choice((1, 1, 1, 4, 7, 10)), 1)
    duration = rng.choices(range(1, 16), (1, 2, 5, 8, 11, 12, 12, 11, 10, 8, 7, 6, 4, 2, 1))[0]
    planned_end = _add_months(planned_start, 12 * duration) - timedelta(days=1)
    if planned_end.year > LAST_RATE_YEAR:
        planned_end = date(LAST_RATE_YEAR, 12, 31)
    roll = rng.random()
    if planned_start > today:
        if roll < 0.95:
            return codes.PIPELINE, planned_start, planned_end, None, None
        return codes.IMPLEMENTATION, planned_start, planned_end, None, None  # not started yet
    started = _add_months(planned_start, rng.choice((0, 0, 1, 2, 3, 6, 9)))
    actual_start = started if started <= today else None
    if roll < 0.03 and actual_start:  # never moved out of the pipeline
        return codes.PIPELINE, planned_start, planned_end, actual_start, None
    if roll < 0.06:
        return codes.CANCELLED, planned_start, planned_end, actual_start, None
    if roll < 0.075 and actual_start:
        return codes.SUSPENDED, planned_start, planned_end, actual_start, None
    if planned_end >= today:
        return codes.IMPLEMENTATION, planned_start, planned_end, actual_start, None
    actual_start = actual_start or planned_start
    extension = rng.choice((0, 0, 0, 3, 6, 12, 18, 24))
    actual_end = _add_months(planned_end, extension)
    if actual_end > today:  # extended: still running, with the revised planned end
        return (
            codes.IMPLEMENTATION,
            planned_start,
            min(actual_end, date(LAST_RATE_YEAR, 12, 31)),
            actual_start,
            None,
        )
    if roll < 0.10:  # nobody updated the status
        return codes.IMPLEMENTATION, planned_start, planned_end, actual_start, None
    if roll < 0.13:  # closed, but the actual end was never entered
        return codes.CLOSED, planned_start, planned_end, actual_start, None
    status = codes.FINALISATION if actual_end > today - timedelta(days=300) else codes.CLOSED
    return status, planned_start, planned_end, actual_start, actual_end


def _funding_years(status, start: date, end: date, today: date, rng: random.Random):
    """([(year, kind, weight)], weight of the whole run): the yearly rows of a project.

    Weights follow a hump over the years the project runs; a cancelled or suspended project
    has rows for its first years only, so it disburses a part of its commitment.
    """
    first, last = max(start.year, FIRST_RATE_YEAR), min(end.year, LAST_RATE_YEAR)
    years = list(range(first, last + 1))
    weights = [
        0.4 + math.sin(math.pi * (i + 0.5) / len(years)) + rng.random() * 0.4
        for i in range(len(years))
    ]
    if status == codes.CANCELLED:
        last = -1 if rng.random() < 0.4 else min(last, first + rng.choice((0, 0, 1)))
    elif status == codes.SUSPENDED:
        last = min(last, today.year)
    started = status != codes.PIPELINE and start <= today
    rows = []
    for year, weight in zip(years, weights, strict=True):
        if year > last:
            break
        if year < today.year and started:
            rows.append((year, "disbursement", weight))
        elif year == today.year and started:
            done = rng.uniform(0.3, 0.7)
            rows.append((year, "disbursement", weight * done))
            if status == codes.IMPLEMENTATION:
                rows.append((year, "planned", weight * (1 - done)))
        elif year >= today.year and status in (codes.PIPELINE, codes.IMPLEMENTATION):
            rows.append((year, "planned", weight))
    return rows, sum(weights) or 1


def _upkeep(seed: int, acronym: str) -> float:
    """How well a partner keeps its records (0.3 to 0.95), the same in every run.

    A careful partner attaches its documents, reports last year's disbursements in time and
    plans every year to the end; a hurried one does so less often.
    """
    return random.Random(f"{seed}:upkeep:{acronym}").uniform(0.3, 0.95)


def _as_kept(
    ctx: _Context, care: random.Random, upkeep: float, funding: list, status, updated_at
) -> list[dict]:
    """The yearly rows as the partner left them at its last update.

    The past years since that update still hold the plan it made, not what was disbursed, as
    does last year for some partners slow to report; some plan no further than this year.
    """
    last_year = ctx.today.year - 1
    unreported = set(range(updated_at.year + 1, last_year + 1))
    if care.random() < (1 - upkeep) * 0.8:
        unreported.add(last_year)
    no_plans = care.random() < (1 - upkeep) * 0.9 and status in (
        codes.PIPELINE,
        codes.IMPLEMENTATION,
    )
    kept: dict[tuple[int, str], dict] = {}
    for row in funding:
        if no_plans and row["year"] > ctx.today.year:
            continue
        kind = (
            "planned"
            if row["kind"] == "disbursement" and row["year"] in unreported
            else row["kind"]
        )
        same = kept.get((row["year"], kind))
        if same is None:
            kept[(row["year"], kind)] = {**row, "kind": kind}
        else:  # a year planned and disbursed in part: the whole year is the plan
            same["amount"] += row["amount"]
            same["amount_usd"] = _usd(same["amount"], same["rate"])
    return list(kept.values())


def _documents(
    care: random.Random, upkeep: float, partner, ref: str, end: date, today: date
) -> list[dict]:
    """The documents a partner attached: often none from a hurried one."""
    attached = care.random() < upkeep
    appraisal = care.random() < 0.5
    report = care.random() < 0.5
    if not attached:
        return []
    base = f"https://www.{partner.acronym.lower().replace(' ', '')}.demo.example/documents/{ref}"
    documents = [{"title": "Financing agreement", "url": f"{base}/agreement.pdf"}]
    if appraisal:
        documents.append({"title": "Project appraisal document", "url": f"{base}/appraisal.pdf"})
    year = min(end.year, today.year - 1)
    if report:
        documents.append({"title": f"Annual progress report {year}", "url": f"{base}/report.pdf"})
    return documents


def _project(ctx: _Context, seq: int, seed: int) -> dict:
    """Generate project number `seq`: its row, sector, location and funding rows."""
    rng = random.Random(seed * 1_000_003 + seq)
    partner = rng.choices(ctx.partners, ctx.partner_weights)[0]
    focus = PARTNER_FOCUS.get(partner.acronym)
    theme_key = rng.choice(focus) if focus and rng.random() < 0.85 else rng.choice(list(THEMES))
    theme = THEMES[theme_key]

    # Where.
    nationwide = rng.random() < theme.nationwide_share
    provinces = (
        []
        if nationwide
        else rng.sample(ctx.provinces, rng.choices((1, 2, 3, 4), (50, 25, 15, 10))[0])
    )
    locations = []
    shares = _shares(rng, len(provinces))
    for (code, _en, _km), share, (low, high) in zip(
        provinces, shares, share_bounds(shares), strict=True
    ):
        district = None
        if ctx.districts.get(code) and rng.random() < 0.2:
            district = rng.choice(ctx.districts[code])
        locations.append(
            {
                "province_code": code,
                "district_code": district,
                "percentage": share,
                "share_from": low,
                "share_to": high,
            }
        )

    # What.
    primary = rng.choice(ctx.theme_sectors[theme_key])
    sector_codes = [primary]
    n_sectors = rng.choices((1, 2, 3), (45, 40, 15))[0]
    pool = [c for c in ctx.theme_sectors[theme_key] if c != primary] + [
        c for c in CROSS_CUTTING if c in ctx.sector_set
    ]
    while len(sector_codes) < n_sectors and pool:
        code = rng.choice(pool)
        pool.remove(code)
        if code not in sector_codes:
            sector_codes.append(code)
    shares = _shares(rng, len(sector_codes))
    sectors = [
        {"sector_code": c, "percentage": p, "share_from": low, "share_to": high}
        for c, p, (low, high) in zip(sector_codes, shares, share_bounds(shares), strict=True)
    ]

    # Who.
    lead = _lead_partner(ctx, rng, theme, provinces)
    external = None
    if rng.random() < 0.3:
        external = partner if rng.random() < 0.6 else rng.choice(ctx.partners)

    # Titles and description.
    phase = rng.choices((1, 2, 3, 4), (70, 20, 7, 3))[0]
    names_en = [p[1] for p in provinces]
    names_km = [_place_km(p[2], p[1]) for p in provinces]
    places_en = _join(names_en, " and ", ", ") if provinces else "nationwide"
    form = rng.random()
    lowered = _lower_first(theme.title)
    if nationwide:
        title = f"National {lowered} programme" if form < 0.5 else f"Support to {lowered}"
    elif len(provinces) == 1 and form < 0.3:
        title = f"{names_en[0]} {lowered} project"
    elif form < 0.6:
        title = f"{theme.title} in {places_en}"
    else:
        title = f"{theme.title} project ({places_en})"
    title_km = None
    if rng.random() < 0.7:
        where_km = "ទូទាំងប្រទេស" if nationwide else "នៅ" + _join(names_km, " និង", " ")
        title_km = f"គម្រោង{theme.title_km} {where_km}"
    if phase > 1:
        title += f", Phase {ROMAN[phase]}"
        if title_km:
            title_km += " ដំណាក់កាលទី" + str(phase).translate(KHMER_DIGITS)
    description = None
    if rng.random() < 0.97:
        where = "across the country" if nationwide else f"in {places_en}"
        description = (
            f"The project {theme.purpose} {where}. It is implemented with the "
            f"{lead.name_en} and financed by {partner.acronym}."
        )
    # A Khmer description beside each Khmer title (drawing no random number, so the rest of
    # the demo stays as it was).
    description_km = None
    if description and title_km:
        description_km = (
            f"{title_km}។ គម្រោងនេះអនុវត្តជាមួយ{lead.name_km or lead.name_en} "
            f"ដោយទទួលហិរញ្ញប្បទានពី{partner.name_km or partner.acronym}។"
        )

    # When, and what kind of aid.
    status, planned_start, planned_end, actual_start, actual_end = _dates(rng, ctx.today)
    lender = partner.acronym in LENDERS
    assistance = rng.choices(
        ("grant", "loan", "technical_cooperation", "in_kind"),
        (40, 45, 12, 3) if lender else (72, 0, 24, 4),
    )[0]
    modality = rng.choices(("project", "pba", "budget_support", None), (75, 14, 5, 6))[0]
    if assistance == "technical_cooperation":
        aid_type = "D02"
    elif modality == "budget_support":
        aid_type = rng.choice(("A01", "A02"))
    elif modality == "pba":
        aid_type = rng.choice(("B04", "A02"))
    else:
        aid_type = "C01"
    finance_type = "421" if assistance == "loan" else "110"
    flow_type = (
        "20" if partner.acronym == "CHINA" and assistance == "loan" and rng.random() < 0.4 else "10"
    )
    on_budget = rng.random() < (
        0.85 if assistance == "loan" or modality == "budget_support" else 0.4
    )
    on_treasury = on_budget and rng.random() < 0.6

    # Money: the commitment, then yearly rows in the same currency.
    commitment_date = None
    if not (status == codes.PIPELINE and rng.random() < 0.5) and rng.random() < 0.95:
        commitment_date = max(
            date(FIRST_RATE_YEAR, 1, 1), planned_start - timedelta(days=rng.randint(15, 400))
        )
    agreed = commitment_date or actual_start or planned_start
    start = actual_start or planned_start
    end = actual_end or planned_end
    rows, weights = _funding_years(status, start, end, ctx.today, rng)
    if rows and end.year < ctx.today.year and rng.random() < 0.03:
        rows.append((end.year + 1, "disbursement", 0.3))  # paid after the project ended
    currency = _currency(ctx, rng, partner.acronym, {agreed.year} | {y for y, *_ in rows})
    median = {"loan": 25e6, "grant": 2e6, "technical_cooperation": 8e5, "in_kind": 3e5}
    usd_size = min(5e8, max(2e4, rng.lognormvariate(math.log(median[assistance]), 0.9)))
    units_per_usd = _rate(ctx, currency, agreed.year)
    agreed_amount = _nice(usd_size * float(units_per_usd))
    commitment_rate: Decimal | None = units_per_usd
    commitment_amount: Decimal | None = agreed_amount
    commitment_usd: Decimal | None = _usd(agreed_amount, units_per_usd)
    if rng.random() < 0.02:  # the amount was never entered
        commitment_amount = commitment_usd = commitment_rate = None
    paid_share = rng.uniform(1.05, 1.3) if rng.random() < 0.06 else rng.uniform(0.8, 1.0)
    total = usd_size * paid_share * float(units_per_usd)
    funding = []
    for year, kind, weight in rows:
        amount = Decimal(max(1, round(total * weight / weights)))
        rate = _rate(ctx, currency, year)
        funding.append(
            {
                "year": year,
                "kind": kind,
                "amount": amount,
                "currency": currency,
                "rate": rate,
                "amount_usd": _usd(amount, rate),
            }
        )

    # Contact, people, times.
    contact_name = contact_email = contact_phone = None
    if rng.random() < 0.9:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contact_name = f"{first} {last}"
        domain = partner.acronym.lower().replace(" ", "")
        contact_email = f"{first.lower()}.{last.lower()}@{domain}.demo.example"
        if rng.random() < 0.5:
            contact_phone = (
                f"+855 {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
            )
    updated_at = ctx.now - timedelta(seconds=int(3 * 365 * 86400 * rng.random() ** 2))
    created_at = updated_at - timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86399))
    published_at = None
    if rng.random() < 0.4:
        published_at = created_at + (updated_at - created_at) * rng.random()
    user_id = ctx.user_of_org.get(partner.id)
    twg_id = ctx.twg_ids.get(theme.twg) if rng.random() < 0.92 else None

    # The record's upkeep, drawn apart from the project's own stream (which it leaves as is).
    care = random.Random(f"{seed}:upkeep:{seq}")
    upkeep = _upkeep(seed, partner.acronym)
    funding = _as_kept(ctx, care, upkeep, funding, status, updated_at)
    documents = _documents(care, upkeep, partner, f"{DEMO_REF_PREFIX}{seq:06d}", end, ctx.today)

    project = {
        "iati_identifier": f"{partner.iati_ref}-{DEMO_REF_PREFIX}{seq:06d}"
        if partner.iati_ref and rng.random() < 0.7
        else None,
        "partner_ref": f"{DEMO_REF_PREFIX}{seq:06d}",
        "title_en": title,
        "title_km": title_km,
        "description": description,
        "description_km": description_km,
        "objectives": None,
        "reporting_org_id": partner.id,
        "lead_national_partner_id": lead.id,
        "external_lead_partner_id": external.id if external else None,
        "status": status,
        "planned_start": planned_start,
        "planned_end": planned_end,
        "actual_start": actual_start,
        "actual_end": actual_end,
        "twg_id": twg_id,
        "type_of_assistance": assistance,
        "modality": modality,
        "finance_type": finance_type,
        "aid_type": aid_type,
        "flow_type": flow_type,
        "on_budget": on_budget,
        "on_treasury": on_treasury,
        "nationwide": nationwide,
        "commitment_amount": commitment_amount,
        "commitment_currency": currency if commitment_amount is not None else None,
        "commitment_date": commitment_date,
        "commitment_rate": commitment_rate,
        "commitment_usd": commitment_usd,
        "disbursed_usd": sum(
            (f["amount_usd"] for f in funding if f["kind"] == "disbursement"), Decimal(0)
        ),
        "planned_usd": sum(
            (f["amount_usd"] for f in funding if f["kind"] == "planned"), Decimal(0)
        ),
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "published_at": published_at,
        "data_source": "demo",
        "is_demo": True,
        "created_by_id": user_id,
        "updated_by_id": user_id,
        "version": 1,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    years = [f["year"] for f in funding]
    project["start_year"] = min([start.year, *years])
    project["end_year"] = max([end.year, *years])
    loan_terms = (
        demo_terms(partner.acronym, seq, seed, commitment_date, currency)
        if assistance == "loan"
        else None
    )
    project.update(
        quality.stored(
            _as_object(project, sectors, locations, funding, documents, loan_terms), ctx.today
        )
    )
    return {
        "project": project,
        "sectors": sectors,
        "locations": locations,
        "funding": funding,
        "documents": documents,
        "loan_terms": [loan_terms] if loan_terms else [],
    }


def _as_object(
    project: dict,
    sectors: list,
    locations: list,
    funding: list,
    documents: list,
    loan_terms: dict | None = None,
):
    """What quality.assess reads, without building ORM objects."""
    return SimpleNamespace(
        **project,
        sectors=[SimpleNamespace(**s) for s in sectors],
        locations=[SimpleNamespace(**loc) for loc in locations],
        funding=[SimpleNamespace(**f) for f in funding],
        documents=[SimpleNamespace(**d) for d in documents],
        loan_terms=SimpleNamespace(is_complete=True) if loan_terms else None,
    )


def _existing() -> tuple[int, int]:
    """(how many demo projects there are, the highest DEMO- sequence number used)."""
    count = (
        db.session.scalar(
            select(func.count()).select_from(Project).where(Project.is_demo.is_(True))
        )
        or 0
    )
    highest = db.session.scalar(
        select(func.max(Project.partner_ref)).where(
            Project.is_demo.is_(True), Project.partner_ref.like(f"{DEMO_REF_PREFIX}%")
        )
    )
    number = 0
    if highest and highest[len(DEMO_REF_PREFIX) :].isdigit():
        number = int(highest[len(DEMO_REF_PREFIX) :])
    return count, max(number, count)


def _draw(ctx: _Context, numbers: range, seed: int) -> list[dict]:
    return [_project(ctx, seq, seed) for seq in numbers]


def _write_batch(made_batch: list[dict], ids: dict) -> None:
    """Write a batch of drawn projects with the next ids of each table (`ids`, moved on)."""
    rows: dict[type[Base], list[dict]] = {model: [] for model in ids}
    for made in made_batch:
        project_id = ids[Project]
        ids[Project] += 1
        rows[Project].append({"id": project_id, **made["project"]})
        for child_model, children in (
            (ProjectSector, made["sectors"]),
            (ProjectLocation, made["locations"]),
            (ProjectFunding, made["funding"]),
            (ProjectDocument, made["documents"]),
            (LoanTerms, made["loan_terms"]),
        ):
            for child in children:
                rows[child_model].append(
                    {"id": ids[child_model], "project_id": project_id, **child}
                )
                ids[child_model] += 1
    # The projects' rows first, noted for the money worked out at the commit, then their other
    # rows (portal/demo/bulk.py).
    bulk.write_projects(rows.pop(Project))
    for model, values in rows.items():
        bulk.write(model.__table__, values)


def _drawer(batches: int) -> Executor:
    """Who draws the batches: from PROCESS_FROM batches, two processes forked from this one
    where the system forks (they only draw: the connections they inherit are left alone, and
    they end without closing them, as forked workers do); else a thread."""
    if batches >= PROCESS_FROM and "fork" in get_all_start_methods():
        return ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork"))
    return ThreadPoolExecutor(max_workers=1)


def seed_projects(count: int, *, seed: int = DEMO_SEED) -> int:
    """Make sure there are `count` demo projects; add the missing ones and return how many."""
    existing, last_number = _existing()
    missing = count - existing
    if missing <= 0:
        return 0
    ctx = _load_context()
    if ctx is None:  # no organizations, sectors or provinces yet: nothing sensible to make
        return 0
    models: tuple[type[Base], ...] = (
        Project,
        ProjectSector,
        ProjectLocation,
        ProjectFunding,
        ProjectDocument,
        LoanTerms,
    )
    ids = {model: bulk.next_id(model) for model in models}
    numbers = range(last_number + 1, last_number + missing + 1)
    batches = [numbers[start : start + BATCH] for start in range(0, missing, BATCH)]
    # The next batches are drawn by two other processes while this one is written (by a thread
    # for a few batches, where starting processes costs more than it saves): drawing is
    # Python's work, and a thread shares the interpreter's lock with the writing. Each project
    # is drawn from its own random stream, so the projects are the same whatever the timing.
    # At 100,000 projects the drawing takes about 30 s of processor time, then on other cores.
    with _drawer(len(batches)) as drawer:
        ahead = [drawer.submit(_draw, ctx, batch, seed) for batch in batches[:AHEAD]]
        for index in range(len(batches)):
            made_batch = ahead.pop(0).result()
            if index + AHEAD < len(batches):
                ahead.append(drawer.submit(_draw, ctx, batches[index + AHEAD], seed))
            _write_batch(made_batch, ids)
    bulk.sync_sequences(model.__tablename__ for model in ids)
    # The loans' grant elements, as the portal keeps them (the rows were copied past the ORM).
    loan_services.store_grant_elements(db.session.connection())
    ensure_reporting_sources()  # each project's reporting partner as its first funding source
    bulk.analyze([*(model.__tablename__ for model in ids), FundingSource.__tablename__])
    return missing
