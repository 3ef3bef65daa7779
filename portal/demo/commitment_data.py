"""The demo commitments: realistic indicators in the style of the Joint Monitoring Indicators.

Every figure is synthetic. Read by portal.demo.commitments, which adds them to the database.
"""

from datetime import date
from typing import Any

# Each report: (period, actual, self-rating, days after the period's end, narrative,
#               {party acronym: (agrees, comment)})
COMMITMENTS: list[dict[str, Any]] = [
    {
        "title_en": "Share of ODA disbursed on budget",
        "title_km": "ចំណែកជំនួយអភិវឌ្ឍន៍ផ្លូវការដែលបានផ្តល់តាមថវិកាជាតិ",
        "principle": "shared_accountability",
        "lead": "MEF",
        "co": ["CDC"],
        "supporting": ["EU", "ADB", "JICA"],
        "twg": "TWG-PFM",
        "definition": (
            "Official development assistance recorded in the national budget law, as a share of "
            "all ODA disbursed in the year, from the portal's disbursement records matched with "
            "the budget execution report."
        ),
        "unit": "%",
        "baseline": ("38", 2023),
        "target": ("55", date(2027, 12, 31)),
        "kind": "semester",
        "trajectory": ["40", "42", "44", "46", "48", "50", "52.5", "55"],
        "first": (2024, 1),
        "reports": [
            (
                "40.5",
                "on_track",
                21,
                "Budget execution report matched for all large partners.",
                {"EU": (True, ""), "ADB": (True, ""), "JICA": (True, "")},
            ),
            (
                "42.3",
                "on_track",
                18,
                "Two new budget support operations recorded on budget.",
                {"EU": (True, ""), "ADB": (True, ""), "JICA": (True, ""), "CDC": (True, "")},
            ),
            (
                "43.6",
                "some_risk",
                26,
                "Loan disbursements for roads slipped to the next year.",
                {"EU": (True, ""), "ADB": (True, "Confirmed by our portfolio review.")},
            ),
            (
                "45.1",
                "some_risk",
                44,
                "Several partners sent disbursement data after the "
                "budget was voted, so their aid could not be put on budget.",
                {
                    "EU": (True, ""),
                    "ADB": (
                        False,
                        "At 45.1 against 46 planned this is off "
                        "track under the agreed rule, not some risk.",
                    ),
                },
            ),
            (
                "46.5",
                "some_risk",
                24,
                "Health and education grants are now on budget; "
                "infrastructure loans remain outside.",
                {
                    "EU": (True, ""),
                    "ADB": (False, "Treasury data shows 46.0%, below the plan."),
                    "JICA": (True, ""),
                },
            ),
        ],
        "bottlenecks": [
            (
                "Partners' disbursement plans arrive after the budget is voted",
                "EU",
                "Agree a common deadline of 30 June for next year's disbursement plans, "
                "announced at the GDCC.",
                date(2026, 12, 31),
                None,
            ),
        ],
    },
    {
        "title_en": "Number of provinces with functioning sub-national planning",
        "title_km": "ចំនួនខេត្តដែលមានការរៀបចំផែនការថ្នាក់ក្រោមជាតិដំណើរការ",
        "principle": "common_vision",
        "lead": "NCDDS",
        "co": ["MOP", "MOI"],
        "supporting": ["UNDP", "SIDA"],
        "twg": "TWG-D&D",
        "definition": (
            "Provinces and the capital whose five-year development plan and three-year "
            "investment programme were adopted on time and integrate district and commune "
            "priorities, as verified by the NCDD Secretariat."
        ),
        "unit": "provinces",
        "baseline": ("9", 2023),
        "target": ("25", date(2027, 12, 31)),
        "kind": "semester",
        "trajectory": ["11", "13", "15", "17", "19", "21", "23", "25"],
        "first": (2024, 1),
        "reports": [
            (
                "11",
                "on_track",
                15,
                "Kampot and Kep adopted integrated plans.",
                {"MOP": (True, ""), "MOI": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "13",
                "on_track",
                20,
                "Siem Reap and Battambang joined after the pilot.",
                {"MOP": (True, ""), "MOI": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "16",
                "on_track",
                22,
                "Three provinces used the new planning calendar.",
                {"MOP": (True, ""), "MOI": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "17",
                "on_track",
                19,
                "Progress as planned; two more provinces are close.",
                {"MOP": (True, ""), "MOI": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "19",
                "on_track",
                25,
                "Nineteen provinces verified by the NCDD Secretariat.",
                {"MOP": (True, ""), "MOI": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
        ],
        "bottlenecks": [],
    },
    {
        "title_en": "Share of development partner projects registered and confirmed in the portal",
        "title_km": "ចំណែកគម្រោងដៃគូអភិវឌ្ឍន៍ដែលបានចុះបញ្ជី និងបញ្ជាក់នៅក្នុងវិបផតថល",
        "principle": "harmonized_management",
        "lead": "CDC",
        "co": ["MEF"],
        "supporting": ["JICA", "ADB", "EU", "UNDP"],
        "twg": "TWG-PH",
        "definition": (
            "Active projects of development partners that are registered in the portal and "
            "confirmed by their lead ministry, as a share of all active projects known to CDC."
        ),
        "unit": "%",
        "baseline": ("52", 2024),
        "target": ("90", date(2026, 12, 31)),
        "kind": "quarter",
        "trajectory": ["56", "60", "64", "68", "74", "80", "85", "90"],
        "first": (2025, 1),
        "reports": [
            (
                "57",
                "on_track",
                12,
                "Registration opened to all partners.",
                {"JICA": (True, ""), "ADB": (True, ""), "EU": (True, ""), "UNDP": (True, "")},
            ),
            (
                "61",
                "on_track",
                14,
                "IATI import brought in the multilateral portfolios.",
                {"JICA": (True, ""), "ADB": (True, ""), "EU": (True, ""), "UNDP": (True, "")},
            ),
            (
                "62",
                "some_risk",
                20,
                "Ministries confirm slowly during budget preparation.",
                {"JICA": (True, ""), "ADB": (True, ""), "EU": (True, "")},
            ),
            (
                "66.5",
                "some_risk",
                17,
                "A confirmation drive with five ministries started.",
                {"JICA": (True, ""), "ADB": (True, ""), "EU": (True, ""), "UNDP": (True, "")},
            ),
            (
                "70",
                "some_risk",
                38,
                "New registrations outpaced confirmations.",
                {"JICA": (True, ""), "EU": (False, "By the agreed rule this is off track.")},
            ),
            (
                "77",
                "some_risk",
                16,
                "Confirmations caught up after the service standard was set to 30 days.",
                {"JICA": (True, ""), "ADB": (True, ""), "EU": (True, "")},
            ),
            (
                "83",
                "some_risk",
                21,
                "Eighty-three per cent confirmed; the rest wait for two ministries.",
                {"JICA": (True, ""), "ADB": (True, "")},
            ),
        ],
        "bottlenecks": [
            (
                "Ministries confirm late during budget preparation",
                "MEF",
                "Send weekly reminders from the portal and report the median days at the TWG.",
                date(2026, 9, 30),
                None,
            ),
            (
                "IATI import fails for multi-country activities",
                "CDC",
                "Split multi-country activities by recipient-country percentage on import.",
                date(2025, 6, 30),
                "Fixed in the importer in May 2025.",
            ),
        ],
    },
    {
        "title_en": "Number of stand-alone project implementation units in the health sector",
        "title_km": "ចំនួនអង្គភាពអនុវត្តគម្រោងដាច់ដោយឡែកក្នុងវិស័យសុខាភិបាល",
        "principle": "trust",
        "lead": "MOH",
        "co": [],
        "supporting": ["WHO", "KOICA", "DFAT", "GF"],
        "twg": "TWG-H",
        "definition": (
            "Project implementation units working outside the ministry's own departments, "
            "counted in the ministry's annual partner mapping. Fewer units mean more use of "
            "country systems."
        ),
        "unit": "PIUs",
        "baseline": ("34", 2023),
        "target": ("18", date(2026, 6, 30)),
        "kind": "semester",
        "trajectory": ["31", "28", "25", "22", "18"],
        "first": (2024, 1),
        "reports": [
            (
                "32",
                "off_track",
                25,
                "Two units merged into the Department of Planning.",
                {"WHO": (True, ""), "KOICA": (True, ""), "DFAT": (True, ""), "GF": (True, "")},
            ),
            (
                "29",
                "off_track",
                29,
                "Three more units merged.",
                {"WHO": (True, ""), "KOICA": (True, ""), "DFAT": (True, ""), "GF": (True, "")},
            ),
            (
                "27",
                "some_risk",
                27,
                "Merging slowed while audit rules were reviewed.",
                {
                    "WHO": (True, ""),
                    "KOICA": (False, "Seven of nine planned mergers is off track."),
                    "DFAT": (True, ""),
                },
            ),
            (
                "24",
                "off_track",
                52,
                "Audit requirements of one fund still need a separate unit.",
                {"WHO": (True, ""), "KOICA": (True, ""), "DFAT": (True, ""), "GF": (True, "")},
            ),
            (
                "21",
                "off_track",
                23,
                "Three units remain above the target.",
                {"WHO": (True, ""), "DFAT": (True, "")},
            ),
        ],
        "bottlenecks": [
            (
                "A fund's audit rules require a separate unit",
                "GF",
                "Agree a joint audit arrangement using the National Audit Authority.",
                date(2026, 9, 30),
                None,
            ),
        ],
    },
    {
        "title_en": "Number of partnership pilots evaluated with lessons disseminated",
        "title_km": "ចំនួនគម្រោងសាកល្បងភាពជាដៃគូដែលបានវាយតម្លៃ និងផ្សព្វផ្សាយមេរៀន",
        "principle": "learning",
        "lead": "CDC",
        "co": ["MOP"],
        "supporting": ["UNDP", "SIDA"],
        "twg": "TWG-PH",
        "definition": (
            "Pilots recorded in the portal that reached the evaluated or scaled-up stage and "
            "whose lessons were shared with at least one TWG."
        ),
        "unit": "pilots",
        "baseline": ("0", 2024),
        "target": ("4", date(2027, 6, 30)),
        "kind": "semester",
        "trajectory": ["1", "1", "2", "3", "4"],
        "first": (2025, 1),
        "reports": [
            (
                "1",
                "on_track",
                10,
                "The health equity fund pilot was evaluated and scaled up.",
                {"MOP": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "2",
                "on_track",
                14,
                "The sub-national planning pilot was evaluated.",
                {"MOP": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
            (
                "2",
                "on_track",
                18,
                "Two evaluations are under way.",
                {"MOP": (True, ""), "UNDP": (True, ""), "SIDA": (True, "")},
            ),
        ],
        "bottlenecks": [],
    },
    {
        "title_en": "Share of externally financed projects with annual audits completed on time",
        "title_km": "ចំណែកគម្រោងហិរញ្ញប្បទានខាងក្រៅដែលបានបញ្ចប់សវនកម្មប្រចាំឆ្នាំទាន់ពេល",
        "principle": "trust",
        "lead": "MEF",
        "co": [],
        "supporting": ["WB", "ADB", "AFD"],
        "twg": "TWG-PFM",
        "definition": (
            "Externally financed projects whose annual financial audit was completed within "
            "six months of the year's end, as a share of the projects due an audit."
        ),
        "unit": "%",
        "baseline": ("61", 2023),
        "target": ("85", date(2026, 12, 31)),
        "kind": "semester",
        "trajectory": ["64", "67", "72", "76", "80", "85"],
        "first": (2024, 1),
        "reports": [
            (
                "65",
                "on_track",
                20,
                "Audit firms contracted earlier in the year.",
                {"WB": (True, ""), "ADB": (True, ""), "AFD": (True, "")},
            ),
            (
                "70",
                "on_track",
                22,
                "Joint audit terms of reference adopted.",
                {"WB": (True, ""), "ADB": (True, ""), "AFD": (True, "")},
            ),
            (
                "74",
                "on_track",
                19,
                "Progress ahead of plan.",
                {"WB": (True, ""), "ADB": (True, ""), "AFD": (True, "")},
            ),
            (
                "79",
                "on_track",
                21,
                "Most projects audited by June.",
                {"WB": (True, ""), "ADB": (True, ""), "AFD": (True, "")},
            ),
            (
                "85.5",
                "achieved",
                17,
                "The target is reached a semester early.",
                {"WB": (True, ""), "ADB": (True, ""), "AFD": (True, "")},
            ),
        ],
        "bottlenecks": [],
    },
]
