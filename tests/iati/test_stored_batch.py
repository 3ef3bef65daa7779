"""The batch kept between the preview and the confirmation holds in full only the activities
that name Cambodia; the others only as far as their listing needs. The preview of a stored
batch is the one of the whole activities, line by line.

Real activities: the shared Cambodian file and the three whole world/ files (d-portal).
"""

from __future__ import annotations

import json

from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.models import ImportBatch
from portal.iati.parser import parse_file, read_activity
from portal.iati.preview import SKIPPED, Decisions
from portal.iati.recipients import names_cambodia
from tests import factories


def _files(shared_data, real_file) -> list[tuple[str, bytes]]:
    world = sorted((shared_data / "iati" / "world").glob("*.xml"))
    return [("kh-activities-2021.xml", real_file)] + [(p.name, p.read_bytes()) for p in world]


def _whole(files) -> list[dict]:
    """Every activity read whole, as a batch held them before."""
    return [a for name, data in files for a in parse_file(name, data).activities]


def _shown(plan) -> list[tuple]:
    """What the preview, the result page and the command line show of each line."""
    return [
        (
            line.identifier,
            line.action,
            line.title,
            line.where,
            line.reason,
            line.errors,
            line.warnings,
            line.changes,
            line.project_id,
            [(c.project_id, c.score) for c in line.candidates],
        )
        for line in plan.lines
    ]


def test_a_stored_batch_previews_as_the_whole_activities(app, shared_data, real_file, ministry):
    files = _files(shared_data, real_file)
    whole = _whole(files)
    # A project imported before from an activity that is not Cambodia's: its line says so.
    elsewhere = "US-GOV-1-720FDA20GR00137"  # a region's, in dportal_68.xml
    assert not names_cambodia(next(a for a in whole if a["identifier"] == elsewhere))
    factories.project(iati_identifier=elsewhere, title_en="Imported before")
    decisions = Decisions(default_lead_id=ministry.id)
    expected = services.preview(whole, user=None, decisions=decisions)

    batch = services.create_batch(files, user=None)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(ImportBatch).where(ImportBatch.id == batch.id))
    plan = services.preview(stored.activities, user=None, decisions=decisions)

    assert _shown(plan) == _shown(expected)
    assert plan.counts == expected.counts and plan.counts[SKIPPED] == 291
    assert [p.key for p in plan.proposals] == [p.key for p in expected.proposals]
    assert stored.activity_count == len(whole)
    skipped = next(line for line in plan.lines if line.identifier == elsewhere)
    assert skipped.project is not None and skipped.warnings

    # The Cambodian activities are kept whole; the others as their listing needs.
    listed, others = [], []
    for kept, full in zip(stored.activities, whole, strict=True):
        if names_cambodia(full):
            assert kept == json.loads(json.dumps(full))
        else:
            assert kept["listed_only"] and "extras" not in kept and "sectors" not in kept
            listed.append(kept)
            others.append(full)
    assert len(json.dumps(listed)) * 10 < len(json.dumps(others))


def test_an_activity_naming_cambodia_only_in_a_transaction_is_kept_whole(app):
    xml = b"""<iati-activities version="2.03"><iati-activity>
    <iati-identifier>XM-1-A</iati-identifier><title><narrative>A</narrative></title>
    <sector code="12220"/><transaction><transaction-type code="3"/>
    <recipient-country code=" kh "/></transaction></iati-activity><iati-activity>
    <iati-identifier>XM-1-B</iati-identifier><title><narrative>B</narrative></title>
    <sector code="12220"/><transaction><transaction-type code="3"/>
    <recipient-country code="VN"/><recipient-region code="798"/></transaction>
    <transaction><recipient-country code="LA"/><recipient-country code="VN"/></transaction>
    </iati-activity></iati-activities>"""
    first, second = services.parse_files([("t.xml", xml)])
    root = etree.fromstring(xml)
    assert first == read_activity(root[0], "t.xml", "2.03")
    assert second["listed_only"] and "sectors" not in second
    assert second["transactions"] == [{"countries": ["LA", "VN"], "regions": ["798"]}]
