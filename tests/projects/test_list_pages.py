"""The project list's count, totals and pages (portal/projects/listing.py).

The count and totals row are read from the groups the database keeps (portal/projects/tally.py)
or kept per reader's visibility, filters and data version: the next view after a change counts
afresh, a repeat view counts nothing, and no reader gets another's.
The pager's cursor links give exactly the rows of the numbered pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import listing
from portal.projects.models import Project
from portal.projects.services import set_published
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.statements import recorded

TOTAL = re.compile(rb"Total of the (\d+) projects|Total of the project")
ROW_LINK = re.compile(rb'<td><a href="/projects/(\d+)">')
PAGER_LINK = re.compile(r'<a class="page-link" href="([^"]+)">([^<]+)</a>')


def _count(response) -> int:
    found = TOTAL.search(response.data)
    assert found, "no totals row"
    return int(found.group(1)) if found.group(1) else 1


def _rows(response) -> list[int]:
    return [int(i) for i in ROW_LINK.findall(response.data)]


def _pager(response) -> dict[str, str]:
    """The pager's links by their label (Previous, Next)."""
    text = response.get_data(as_text=True)
    return {label: href.replace("&amp;", "&") for href, label in PAGER_LINK.findall(text)}


def _login(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("search", ["&q=counted", ""])
def test_a_new_project_changes_the_count_on_the_next_view(client, login_as, search):
    """Counted and kept (a search), or read from the groups the database keeps (a partner)."""
    cdc = login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="CNTA")
    factories.project(reporting=partner, title_en="Counted well", actor=cdc)
    db.session.commit()
    url = f"/projects/?partner={partner.id}{search}"
    first = client.get(url)
    assert _count(first) == 1
    # Seen again, no project is counted again.
    with recorded() as statements:
        again = client.get(f"{url}&sort=title")
    assert _count(again) == 1
    assert not [s for s in statements if "sum(" in s.lower() and "project_tally" not in s]
    factories.project(
        reporting=partner,
        title_en="Counted pump",
        commitment_amount=Decimal("250000.10"),
        actor=cdc,
    )
    db.session.commit()
    after = client.get(url)
    assert _count(after) == 2
    assert b'data-total="commitment">1,250,000.10' in after.data


def test_uncommitted_projects_are_counted_without_the_kept_totals(client, login_as):
    cdc = login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="CNTB")
    factories.project(reporting=partner, actor=cdc)
    db.session.commit()
    assert _count(client.get(f"/projects/?partner={partner.id}")) == 1
    factories.project(reporting=partner, actor=cdc)  # flushed, not committed
    assert _count(client.get(f"/projects/?partner={partner.id}")) == 2


def test_a_partners_count_is_never_shown_to_the_public_or_another_partner(client, app):
    own, other = (factories.organization(OrgKind.BILATERAL, acronym=a) for a in ("CNTC", "CNTD"))
    cdc = factories.user(role="cdc")
    for title in ("Visible dam", "Draft dam one", "Draft dam two"):
        project = factories.project(reporting=own, title_en=title)
        if title == "Visible dam":
            set_published(project, True, actor=cdc)
    own_user, other_user = factories.user("dp", own), factories.user("dp", other)
    factories.project(reporting=other, title_en="Other draft")
    db.session.commit()
    app.config["PAGE_CACHE"] = False  # the kept totals alone are under test here
    try:
        url = f"/projects/?partner={own.id}"
        _login(client, own_user)
        assert _count(client.get(url)) == 3
        client.post("/logout")
        public = client.get(url)
        assert _count(public) == 1 and b"Draft dam" not in public.data
        _login(client, other_user)
        assert _count(client.get(url)) == 1
        _login(client, cdc)
        assert _count(client.get(url)) == 3
    finally:
        app.config["PAGE_CACHE"] = True


@pytest.fixture
def listed(login_as, monkeypatch):
    """Seventeen projects of one partner, five a page, with ties in every order."""
    monkeypatch.setattr(listing, "PER_PAGE", 5)
    cdc = login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="PAGE")
    ids = []
    for number in range(17):
        project = factories.project(
            reporting=partner,
            title_en=f"Paged school {number % 4}",
            actor=cdc,
        )
        ids.append(project.id)
    db.session.flush()
    # Equal times for some (the id breaks the tie), as a batch import saves them.
    same = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    db.session.execute(update(Project).where(Project.id.in_(ids[:9])).values(updated_at=same))
    db.session.execute(
        update(Project)
        .where(Project.id.in_(ids[9:]))
        .values(updated_at=datetime(2025, 4, 2, 9, 0, 0, 123456, tzinfo=UTC))
    )
    db.session.commit()
    return partner


@pytest.mark.parametrize("sort", ["-updated", "updated", "title", "-title", "status", "-disbursed"])
def test_cursor_pages_give_the_rows_of_the_numbered_pages(client, listed, sort):
    base = f"/projects/?partner={listed.id}&sort={sort}"
    numbered = [_rows(client.get(f"{base}&page={n}")) for n in (1, 2, 3, 4)]
    assert sorted(sum(numbered, [])) == sorted(set(sum(numbered, [])))  # each row once
    assert len(sum(numbered, [])) == 17
    # Forward with the pager's Next links, then back with Previous.
    page = client.get(base)
    followed = [_rows(page)]
    for _ in range(3):
        link = _pager(page)["Next"]
        assert "after=" in link
        page = client.get(link)
        followed.append(_rows(page))
    assert followed == numbered
    assert "Page 4 of 4" in page.get_data(as_text=True)
    back = []
    for _ in range(3):
        link = _pager(page)["Previous"]
        assert "before=" in link
        page = client.get(link)
        back.append(_rows(page))
    assert back == numbered[2::-1]


def test_an_order_with_empty_values_keeps_numbered_pages(client, listed):
    page = client.get(f"/projects/?partner={listed.id}&sort=start")
    assert "after=" not in _pager(page)["Next"] and "page=2" in _pager(page)["Next"]


def test_a_damaged_cursor_falls_back_to_the_page_number(client, listed):
    base = f"/projects/?partner={listed.id}"
    second = _rows(client.get(f"{base}&page=2"))
    for cursor in ("nonsense", "W10", "WyJ4IiwgMV0"):
        answer = client.get(f"{base}&page=2&after={cursor}")
        assert answer.status_code == 200 and _rows(answer) == second
