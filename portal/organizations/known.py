"""The real development partners and national institutions active in Cambodia.

Names, acronyms and IATI organisation identifiers are public. `flask portal seed` adds the
ones a database lacks, so that a new installation has CDC (the first account needs it), the
ministries and the partners; the demo builds on the same list.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.organizations.models import DEFAULT_IATI_TYPE, Organization, OrgKind
from portal.organizations.services import by_acronym

# (acronym, English name, Khmer name, kind, IATI organisation identifier)
DEVELOPMENT_PARTNERS = [
    (
        "JICA",
        "Japan International Cooperation Agency",
        "ទីភ្នាក់ងារសហប្រតិបត្តិការអន្តរជាតិជប៉ុន",
        OrgKind.BILATERAL,
        "JP-8",
    ),
    ("ADB", "Asian Development Bank", "ធនាគារអភិវឌ្ឍន៍អាស៊ី", OrgKind.MULTILATERAL, "XM-DAC-46004"),
    ("WB", "World Bank", "ធនាគារពិភពលោក", OrgKind.MULTILATERAL, "44000"),
    ("EU", "European Union", "សហភាពអឺរ៉ុប", OrgKind.MULTILATERAL, "XI-IATI-EC_INTPA"),
    (
        "KOICA",
        "Korea International Cooperation Agency",
        "ទីភ្នាក់ងារសហប្រតិបត្តិការអន្តរជាតិកូរ៉េ",
        OrgKind.BILATERAL,
        "KR-GOV-051",  # KOICA (KR-GOV-010 is the Office for Government Policy Coordination)
    ),
    (
        "CHINA",
        "China International Development Cooperation Agency",
        "ទីភ្នាក់ងារសហប្រតិបត្តិការអភិវឌ្ឍន៍អន្តរជាតិចិន",
        OrgKind.BILATERAL,
        None,
    ),
    (
        "DFAT",
        "Australia – Department of Foreign Affairs and Trade",
        "ក្រសួងការបរទេស និងពាណិជ្ជកម្មអូស្ត្រាលី",
        OrgKind.BILATERAL,
        "AU-5",
    ),
    (
        "AFD",
        "Agence Française de Développement",
        "ទីភ្នាក់ងារបារាំងសម្រាប់ការអភិវឌ្ឍ",
        OrgKind.BILATERAL,
        "FR-3",
    ),
    (
        "GIZ",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "ទីភ្នាក់ងារសហប្រតិបត្តិការអាល្លឺម៉ង់",
        OrgKind.BILATERAL,
        "DE-1-GIZ",
    ),
    ("KFW", "KfW Development Bank", "ធនាគារអភិវឌ្ឍន៍ KfW", OrgKind.BILATERAL, "XM-DAC-5-2"),
    (
        "SIDA",
        "Swedish International Development Cooperation Agency",
        "ទីភ្នាក់ងារសហប្រតិបត្តិការអភិវឌ្ឍន៍អន្តរជាតិស៊ុយអែត",
        OrgKind.BILATERAL,
        "SE-0",
    ),
    (
        "USAID",
        "United States Agency for International Development",
        "ទីភ្នាក់ងារសហរដ្ឋអាមេរិកសម្រាប់ការអភិវឌ្ឍអន្តរជាតិ",
        OrgKind.BILATERAL,
        "US-GOV-1",
    ),
    (
        "FCDO",
        "United Kingdom – Foreign, Commonwealth & Development Office",
        "ក្រសួងការបរទេស និងការអភិវឌ្ឍចក្រភពអង់គ្លេស",
        OrgKind.BILATERAL,
        "GB-GOV-1",
    ),
    (
        "SDC",
        "Swiss Agency for Development and Cooperation",
        "ទីភ្នាក់ងារស្វីសសម្រាប់ការអភិវឌ្ឍ និងសហប្រតិបត្តិការ",
        OrgKind.BILATERAL,
        "CH-4",
    ),
    (
        "NZMFAT",
        "New Zealand Ministry of Foreign Affairs and Trade",
        "ក្រសួងការបរទេស និងពាណិជ្ជកម្មនូវែលសេឡង់",
        OrgKind.BILATERAL,
        "NZ-1",
    ),
    ("GAC", "Global Affairs Canada", "ក្រសួងកិច្ចការសកលកាណាដា", OrgKind.BILATERAL, "CA-3"),
    (
        "UNDP",
        "United Nations Development Programme",
        "កម្មវិធីអភិវឌ្ឍន៍សហប្រជាជាតិ",
        OrgKind.UN_AGENCY,
        "XM-DAC-41114",
    ),
    (
        "UNICEF",
        "United Nations Children's Fund",
        "មូលនិធិសហប្រជាជាតិសម្រាប់កុមារ",
        OrgKind.UN_AGENCY,
        "XM-DAC-41122",
    ),
    ("WHO", "World Health Organization", "អង្គការសុខភាពពិភពលោក", OrgKind.UN_AGENCY, "XM-DAC-928"),
    ("WFP", "World Food Programme", "កម្មវិធីស្បៀងអាហារពិភពលោក", OrgKind.UN_AGENCY, "XM-DAC-41140"),
    (
        "FAO",
        "Food and Agriculture Organization of the United Nations",
        "អង្គការស្បៀងអាហារ និងកសិកម្មនៃសហប្រជាជាតិ",
        OrgKind.UN_AGENCY,
        "XM-DAC-41301",
    ),
    (
        "UNFPA",
        "United Nations Population Fund",
        "មូលនិធិប្រជាជនសហប្រជាជាតិ",
        OrgKind.UN_AGENCY,
        "XM-DAC-41119",
    ),
    (
        "UNOPS",
        "United Nations Office for Project Services",
        "ការិយាល័យសហប្រជាជាតិសម្រាប់សេវាគម្រោង",
        OrgKind.UN_AGENCY,
        "XM-DAC-41AAA",
    ),
    (
        "IFAD",
        "International Fund for Agricultural Development",
        "មូលនិធិអន្តរជាតិសម្រាប់ការអភិវឌ្ឍកសិកម្ម",
        OrgKind.MULTILATERAL,
        "XM-DAC-988",
    ),
    (
        "GF",
        "The Global Fund to Fight AIDS, Tuberculosis and Malaria",
        "មូលនិធិសកលប្រយុទ្ធនឹងជំងឺអេដស៍ របេង និងគ្រុនចាញ់",
        OrgKind.MULTILATERAL,
        "XM-DAC-47045",
    ),
    ("OXFAM", "Oxfam", "អុកស្វាម", OrgKind.INTERNATIONAL_NGO, "GB-CHC-202918"),
    (
        "SCI",
        "Save the Children International",
        "អង្គការសង្គ្រោះកុមារអន្តរជាតិ",
        OrgKind.INTERNATIONAL_NGO,
        "GB-COH-03732267",
    ),
    (
        "WVI",
        "World Vision International",
        "អង្គការទស្សនៈពិភពលោកអន្តរជាតិ",
        OrgKind.INTERNATIONAL_NGO,
        None,
    ),
]

NATIONAL_INSTITUTIONS = [
    (
        "CDC",
        "Council for the Development of Cambodia",
        "ក្រុមប្រឹក្សាអភិវឌ្ឍន៍កម្ពុជា",
        OrgKind.GOVERNMENT,
        "KH-CDC",
    ),
    ("MEF", "Ministry of Economy and Finance", "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ", OrgKind.GOVERNMENT, None),
    ("MOH", "Ministry of Health", "ក្រសួងសុខាភិបាល", OrgKind.GOVERNMENT, None),
    (
        "MOEYS",
        "Ministry of Education, Youth and Sport",
        "ក្រសួងអប់រំ យុវជន និងកីឡា",
        OrgKind.GOVERNMENT,
        None,
    ),
    (
        "MAFF",
        "Ministry of Agriculture, Forestry and Fisheries",
        "ក្រសួងកសិកម្ម រុក្ខាប្រមាញ់ និងនេសាទ",
        OrgKind.GOVERNMENT,
        None,
    ),
    ("MRD", "Ministry of Rural Development", "ក្រសួងអភិវឌ្ឍន៍ជនបទ", OrgKind.GOVERNMENT, None),
    (
        "MPWT",
        "Ministry of Public Works and Transport",
        "ក្រសួងសាធារណការ និងដឹកជញ្ជូន",
        OrgKind.GOVERNMENT,
        None,
    ),
    (
        "MOWRAM",
        "Ministry of Water Resources and Meteorology",
        "ក្រសួងធនធានទឹក និងឧតុនិយម",
        OrgKind.GOVERNMENT,
        None,
    ),
    (
        "MISTI",
        "Ministry of Industry, Science, Technology and Innovation",
        "ក្រសួងឧស្សាហកម្ម វិទ្យាសាស្ត្រ បច្ចេកវិទ្យា និងនវានុវត្តន៍",
        OrgKind.GOVERNMENT,
        None,
    ),
    ("MOI", "Ministry of Interior", "ក្រសួងមហាផ្ទៃ", OrgKind.GOVERNMENT, None),
    (
        "NCDDS",
        "National Committee for Sub-National Democratic Development Secretariat",
        "លេខាធិការដ្ឋាន គណៈកម្មាធិការជាតិសម្រាប់ការអភិវឌ្ឍតាមបែបប្រជាធិបតេយ្យនៅថ្នាក់ក្រោមជាតិ",
        OrgKind.GOVERNMENT,
        None,
    ),
    ("MOE", "Ministry of Environment", "ក្រសួងបរិស្ថាន", OrgKind.GOVERNMENT, None),
    ("MME", "Ministry of Mines and Energy", "ក្រសួងរ៉ែ និងថាមពល", OrgKind.GOVERNMENT, None),
    ("MOWA", "Ministry of Women's Affairs", "ក្រសួងកិច្ចការនារី", OrgKind.GOVERNMENT, None),
    (
        "MOSVY",
        "Ministry of Social Affairs, Veterans and Youth Rehabilitation",
        "ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា",
        OrgKind.GOVERNMENT,
        None,
    ),
    (
        "MLMUPC",
        "Ministry of Land Management, Urban Planning and Construction",
        "ក្រសួងរៀបចំដែនដី នគរូបនីយកម្ម និងសំណង់",
        OrgKind.GOVERNMENT,
        None,
    ),
    ("MOP", "Ministry of Planning", "ក្រសួងផែនការ", OrgKind.GOVERNMENT, None),
    (
        "MPTC",
        "Ministry of Post and Telecommunications",
        "ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍",
        OrgKind.GOVERNMENT,
        None,
    ),
    (
        "MLVT",
        "Ministry of Labour and Vocational Training",
        "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ",
        OrgKind.GOVERNMENT,
        None,
    ),
    ("PP-CH", "Phnom Penh Capital Administration", "រដ្ឋបាលរាជធានីភ្នំពេញ", OrgKind.SUBNATIONAL, None),
    ("SR-PA", "Siem Reap Provincial Administration", "រដ្ឋបាលខេត្តសៀមរាប", OrgKind.SUBNATIONAL, None),
    (
        "BB-PA",
        "Battambang Provincial Administration",
        "រដ្ឋបាលខេត្តបាត់ដំបង",
        OrgKind.SUBNATIONAL,
        None,
    ),
    (
        "KC-PA",
        "Kampong Cham Provincial Administration",
        "រដ្ឋបាលខេត្តកំពង់ចាម",
        OrgKind.SUBNATIONAL,
        None,
    ),
    (
        "CCC",
        "Cooperation Committee for Cambodia",
        "គណៈកម្មាធិការសហប្រតិបត្តិការដើម្បីកម្ពុជា",
        OrgKind.NATIONAL_NGO,
        None,
    ),
    (
        "CAMFEBA",
        "Cambodian Federation of Employers and Business Associations",
        "សហព័ន្ធនិយោជក និងសមាគមពាណិជ្ជកម្មកម្ពុជា",
        OrgKind.PRIVATE_SECTOR,
        None,
    ),
]


def seed_organizations() -> int:
    """Add the real partners and institutions that are not there yet; return how many."""
    added = 0
    for acronym, name_en, name_km, kind, iati_ref in DEVELOPMENT_PARTNERS + NATIONAL_INSTITUTIONS:
        if by_acronym(acronym) is not None:
            continue
        if iati_ref and db.session.scalar(
            select(Organization.id).where(Organization.iati_ref == iati_ref)
        ):
            iati_ref = None
        db.session.add(
            Organization(
                acronym=acronym,
                name_en=name_en,
                name_km=name_km,
                kind=kind,
                iati_ref=iati_ref,
                iati_type=DEFAULT_IATI_TYPE[kind],
            )
        )
        added += 1
    db.session.flush()
    return added
