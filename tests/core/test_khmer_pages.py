"""No English left in the Khmer interface: every page, as every role, rendered in Khmer, shows
no interface string in its English form (a piece of text equal to a catalog entry's English)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KHMER = ROOT / "portal" / "translations" / "km" / "LC_MESSAGES" / "messages.po"
SKIP_ENDPOINTS = {"static", "bootstrap.static", "home.khmer_font", "accounts.logout"}


def _english_strings() -> list[str]:
    """Interface strings whose Khmer differs from the English (short ones are left out: a
    code such as 'PDF' or a partner's acronym is the same in both languages)."""
    with KHMER.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        if not msgid or msgstr == msgid or "%(" in msgid or len(msgid) < 14:
            continue
        found.append(msgid)
    return found


def _text_nodes(page: str) -> set[str]:
    """The page's pieces of visible text, each as a whole (a label, a heading, a sentence)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return {" ".join(html.unescape(piece).split()) for piece in re.split(r"<[^>]+>", page)} - {""}


def _pages(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
            continue
        if rule.rule.startswith("/api/") or rule.rule.endswith((".csv", ".xlsx", ".xml", ".pdf")):
            continue
        yield rule.rule


@pytest.mark.parametrize("role", [None, "dp", "ministry", "cdc"])
def test_every_page_in_khmer_shows_no_english_interface_string(app, client, login_as, role):
    from tests import factories

    factories.project()  # something to list
    if role:
        login_as(role, locale="km")
    else:
        client.post("/language", data={"lang": "km"})
    english = _english_strings()
    assert len(english) > 200
    left = []
    for path in _pages(app):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        nodes = _text_nodes(response.get_data(as_text=True))
        left += [f"{path}: {s!r}" for s in english if s in nodes]
    assert left == [], "\n".join(left[:30])


def _data_labels() -> dict[str, str]:
    """The English names of the data labels people read, each with its Khmer name: DAC sectors
    and categories, strategy pillars and priorities, working groups, commitment titles."""
    from sqlalchemy import select

    from portal.commitments.models import Commitment
    from portal.extensions import db
    from portal.reference.models import Sector, SectorCategory, TechnicalWorkingGroup
    from portal.strategy.models import StrategyNode

    labels = {}
    for model in (Sector, SectorCategory, TechnicalWorkingGroup, StrategyNode):
        for name_en, name_km in db.session.execute(select(model.name_en, model.name_km)):
            if name_km and len(name_en) >= 6:
                labels[name_en] = name_km
    for title_en, title_km in db.session.execute(select(Commitment.title_en, Commitment.title_km)):
        if title_km:
            labels[title_en] = title_km
    return labels


def _label_of(node: str) -> str:
    """A text piece without a leading code ("12220 Basic health care", "P1.2 Training...")."""
    return re.sub(r"^[0-9A-Z][0-9A-Z.\-]*\s+(—\s+)?", "", node)


def test_the_data_labels_on_khmer_pages_are_khmer(app, client, login_as):
    """Sectors, categories, pillars, priorities, working groups and commitment titles: a page in
    Khmer shows each by its Khmer name, never the English one."""
    from decimal import Decimal

    from sqlalchemy import select

    from portal.alignment import services as alignment
    from portal.extensions import db
    from portal.organizations.models import OrgKind
    from portal.projects import services
    from portal.reference.models import TechnicalWorkingGroup
    from portal.strategy.models import NodeKind, StrategyNode
    from tests import factories
    from tests.commitments.helpers import commitment, parties

    partner = factories.organization(OrgKind.BILATERAL, acronym="KMLP")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="KMLM")
    twg = db.session.scalar(
        select(TechnicalWorkingGroup).where(TechnicalWorkingGroup.acronym == "TWG-H")
    )
    project = factories.project(
        reporting=partner,
        lead=ministry,
        title_en="Health equity fund",
        title_km="មូលនិធិសមធម៌សុខាភិបាល",
        description_km="គម្រោងនេះជួយគ្រួសារក្រីក្រឱ្យទទួលបានសេវាសុខាភិបាល។",
        twg_id=twg.id,
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        funding=[services.YearAmount(2024, "disbursement", Decimal("250000"), "USD")],
        sectors=[
            services.SectorShare("12220", Decimal(60)),
            services.SectorShare("13020", Decimal(40)),
        ],
    )
    priorities = db.session.scalars(
        select(StrategyNode).where(StrategyNode.kind == NodeKind.PRIORITY).limit(3)
    ).all()
    alignment.save_alignment(
        project,
        alignment.AlignmentData(
            primary_priority_id=priorities[0].id,
            other_priority_ids=[p.id for p in priorities[1:]],
            rationale="ជួយអ្នកក្រ។",
            on_plan=True,
            on_budget=False,
            lead_role_accepted=True,
        ),
        actor=None,
    )
    orgs = parties()
    item = commitment(orgs, title_km="ចំណែកជំនួយអភិវឌ្ឍន៍ផ្លូវការដែលបានផ្តល់តាមថវិកាជាតិ")
    db.session.flush()
    labels = _data_labels()
    assert "Basic health care" in labels and "Share of ODA disbursed on budget" in labels

    login_as("cdc", locale="km")
    paths = [
        f"/projects/{project.id}",
        f"/alignment/projects/{project.id}/review",
        f"/commitments/{item.id}",
        "/commitments/",
        "/dashboard/",
        "/projects/",
        "/map/province/17",
    ]
    left = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        nodes = {_label_of(node) for node in _text_nodes(page)} | _text_nodes(page)
        left += [f"{path}: {name!r}" for name in labels if name in nodes]
    assert left == [], "\n".join(left[:30])
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "គម្រោងនេះជួយគ្រួសារក្រីក្រ" in detail  # the Khmer description, on the Khmer page
    assert labels["Basic health care"] in detail
