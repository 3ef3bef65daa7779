"""Test records for commitments and pilots, saved through the features' own services."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

from portal.commitments import reporting, services, uploads
from portal.organizations.models import OrgKind
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
CSV = "period,value\n2025-S1,43.6\nខេត្ត,1\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def office_file(folder: str) -> bytes:
    """A minimal Office Open XML file: a zip with [Content_Types].xml and `folder`/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def parties():
    """A lead ministry, a co-responsible ministry and two supporting partners."""
    return {
        "lead": factories.organization(OrgKind.GOVERNMENT, acronym="LEADM"),
        "co": factories.organization(OrgKind.GOVERNMENT, acronym="COM"),
        "dp1": factories.organization(OrgKind.BILATERAL, acronym="DPONE"),
        "dp2": factories.organization(OrgKind.MULTILATERAL, acronym="DPTWO"),
        "outsider": factories.organization(OrgKind.BILATERAL, acronym="OUTDP"),
    }


def commitment(orgs, *, actor=None, **overrides):
    """Save a commitment led by orgs['lead'], with co and dp1, dp2 as parties."""
    values = {
        "title_en": "Share of ODA disbursed on budget",
        "principle": "shared_accountability",
        "lead_institution_id": orgs["lead"].id,
        "indicator_definition": "ODA on budget as a share of all ODA.",
        "unit": "%",
        "baseline_value": Decimal("40"),
        "baseline_year": 2024,
        "target_value": Decimal("60"),
        "target_date": date(2027, 12, 31),
        "period_kind": "semester",
        "parties": [
            services.PartyData(orgs["co"].id, "co_responsible"),
            services.PartyData(orgs["dp1"].id, "supporting"),
            services.PartyData(orgs["dp2"].id, "supporting"),
        ],
        "trajectory": [
            services.PlannedValue("2025-S1", Decimal("44")),
            services.PlannedValue("2025-S2", Decimal("48")),
            services.PlannedValue("2026-S1", Decimal("52")),
            services.PlannedValue("2026-S2", Decimal("56")),
            services.PlannedValue("2027-S2", Decimal("60")),
        ],
    }
    values.update(overrides)
    return services.save_commitment(services.CommitmentData(**values), actor=actor)


def report(item, actor, period="2025-S1", actual="44", rating="on_track", files=()):
    """Record a progress report through the service (every rule applies)."""
    return reporting.submit_report(
        item,
        reporting.ReportData(period, Decimal(actual), "What happened.", rating),
        [uploads.Upload(name, data) for name, data in files],
        actor=actor,
    )
