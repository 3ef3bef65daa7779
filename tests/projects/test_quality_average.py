"""One definition of a partner's average quality score: the home page says what the Data
quality page says, a project not updated for 12 months counted without the update check's points."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import quality
from tests import factories


def test_the_home_page_and_the_quality_page_give_the_same_average(client, login_as):
    partner = factories.organization(OrgKind.BILATERAL, acronym="AVGP")
    fresh = factories.project(reporting=partner, title_en="Fresh record")
    stale = factories.project(reporting=partner, title_en="Forgotten record")
    fresh.quality_score, stale.quality_score = 100, 90
    stale.updated_at = utcnow() - timedelta(days=400)
    db.session.flush()
    expected = round((100 + 90 - quality.POINTS["updated"]) / 2)

    login_as("dp", organization=partner)
    home = client.get("/").get_data(as_text=True)
    shown = re.search(r"Average data quality score: (\d+) / 100", home)
    assert shown and int(shown.group(1)) == expected
    ranking = client.get("/projects/quality").get_data(as_text=True)
    row = re.search(r"AVGP.*?<td class=\"num fw-semibold\">(\d+)</td>", ranking, re.S)
    assert row and int(row.group(1)) == expected
