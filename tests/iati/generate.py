"""Generate IATI 2.03 activity files of any size, for tests and the import benchmark."""

from __future__ import annotations

import random
from xml.sax.saxutils import escape

REPORTERS = [
    ("XM-DAC-46004", "40", "Asian Development Bank"),
    ("JP-8", "10", "Japan International Cooperation Agency"),
    ("XI-IATI-EC_INTPA", "15", "European Union"),
    ("AU-5", "10", "Australia – Department of Foreign Affairs and Trade"),
    ("FR-3", "10", "Agence Française de Développement"),
]
MINISTRIES = [
    "Ministry of Health",
    "Ministry of Education, Youth and Sport",
    "Ministry of Rural Development",
    "Ministry of Agriculture, Forestry and Fisheries",
]
PROVINCES = ["Phnom Penh", "Battambang", "Siem Reap", "Kampot", "Takeo", "Kandal", "Kratie"]
SECTORS = ["12220", "11220", "14030", "31120", "15110", "21020"]
THEMES = ["water", "schools", "rural roads", "health centres", "irrigation", "skills"]
CURRENCIES = ["USD", "EUR", "JPY", "AUD"]


def _activity(index: int, rng: random.Random, ministries: list[str]) -> str:
    ref, org_type, name = REPORTERS[index % len(REPORTERS)]
    currency = CURRENCIES[index % len(CURRENCIES)]
    start = 2016 + index % 6
    sectors = rng.sample(SECTORS, rng.randint(1, 3))
    shares = [100] if len(sectors) == 1 else ([60, 40] if len(sectors) == 2 else [50, 30, 20])
    places = rng.sample(PROVINCES, rng.randint(0, 3))
    ministry = ministries[index % len(ministries)]
    parts = [
        f'<iati-activity default-currency="{currency}" last-updated-datetime="2024-05-01T00:00:00Z"'
        ' hierarchy="1" xml:lang="en">',
        f"<iati-identifier>{ref}-BENCH-{index:06d}</iati-identifier>",
        f'<reporting-org ref="{ref}" type="{org_type}"><narrative>{escape(name)}</narrative>'
        "</reporting-org>",
        f"<title><narrative>Bench {THEMES[index % len(THEMES)]} programme {index}</narrative>"
        "</title>",
        '<description type="1"><narrative>A generated activity for the benchmark.</narrative>'
        "</description>",
        f'<participating-org ref="{ref}" role="1" type="{org_type}"><narrative>{escape(name)}'
        "</narrative></participating-org>",
        f'<participating-org role="2" type="10"><narrative>{escape(ministry)}</narrative>'
        "</participating-org>",
        '<activity-status code="2"/>',
        f'<activity-date type="1" iso-date="{start}-01-01"/>',
        f'<activity-date type="3" iso-date="{start + 6}-12-31"/>',
        '<recipient-country code="KH" percentage="100"/>',
    ]
    parts += [f"<location><name><narrative>{p}</narrative></name></location>" for p in places]
    parts += [
        f'<sector vocabulary="1" code="{code}" percentage="{share}"/>'
        for code, share in zip(sectors, shares, strict=True)
    ]
    parts += [
        '<default-flow-type code="10"/>',
        '<default-finance-type code="110"/>',
        '<default-aid-type code="C01" vocabulary="1"/>',
    ]
    for year in range(2025, 2028):
        parts.append(
            f'<planned-disbursement type="1"><period-start iso-date="{year}-01-01"/>'
            f'<period-end iso-date="{year}-12-31"/><value value-date="{year}-01-01">'
            f"{rng.randint(1, 900) * 1000}</value></planned-disbursement>"
        )
    parts.append(_transaction("2", f"{start}-03-01", rng.randint(2000, 9000) * 1000))
    for year in range(start, start + 4):
        kind = "3" if year % 2 else "4"
        parts.append(_transaction(kind, f"{year}-06-30", rng.randint(100, 900) * 1000 + 0.5))
    parts.append("</iati-activity>")
    return "".join(parts)


def _transaction(kind: str, day: str, amount) -> str:
    return (
        f'<transaction><transaction-type code="{kind}"/><transaction-date iso-date="{day}"/>'
        f'<value value-date="{day}">{amount}</value></transaction>'
    )


def activities_xml(count: int, *, seed: int = 8, ministries: list[str] | None = None) -> bytes:
    """An IATI 2.03 file of `count` valid activities (Cambodia, known codes, some currencies)."""
    rng = random.Random(seed)
    body = "\n".join(_activity(i, rng, ministries or MINISTRIES) for i in range(count))
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<iati-activities version="2.03" generated-datetime="2024-05-01T00:00:00Z">\n'
        f"{body}\n</iati-activities>\n"
    )
    return text.encode("utf-8")


def rate_years() -> range:
    """The years whose exchange rates the generated activities need."""
    return range(2016, 2028)
