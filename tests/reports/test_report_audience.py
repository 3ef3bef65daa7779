"""A report is built for an audience: the public edition holds only what the public pages show.

The internal edition is as CDC sees the data (every project, the figures' threads, the quality
annex); only the public edition can be published.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_login import AnonymousUserMixin
from markupsafe import escape
from sqlalchemy import select, update

from portal.alignment import services as alignment
from portal.dashboard.services import dashboard
from portal.extensions import db
from portal.khmer import ZWSP
from portal.organizations.models import OrgKind
from portal.projects import services as projects
from portal.projects.models import Project
from portal.projects.queries import ProjectFilters
from portal.reports import content, render, services
from portal.reports.models import IssuedReport, ReportJob
from portal.reports.params import PUBLIC_SECTIONS, SECTIONS, ReportParams, audience_of
from portal.templating import money
from tests import factories
from tests.reports import pdf as read

# Single words: pdftotext lays table cells out in columns, so phrases may break across lines.
SECRET_TITLE = "Xenodam feasibility"
SECRET_WORD = "Xenodam"
SECRET_AMOUNT = Decimal("987654.32")
PUBLIC_TITLE = "Openclinic network"
PUBLIC_WORD = "Openclinic"
PUBLIC_AMOUNT = Decimal("123456.78")
THREAD_WORD = "Quibbleworth"
CONTACT_NAME, CONTACT_EMAIL = "Chenda Sokhom", "chenda.sokhom@example.org"
PUBLIC_COVER = "Public edition: published projects only"
INTERNAL_COVER = "Internal edition: for the government's and partners' use, not for publication"
REFUSAL = (
    "This report is an internal edition: it counts unpublished projects and shows internal "
    "sections, so it cannot be published. Build and issue the public edition of the same "
    "report, then publish that one."
)


def _flat(pdf: bytes) -> str:
    return " ".join(read.text(pdf).split())


@pytest.fixture
def world():
    """One published project, one unpublished (disputed with a thread, stale, with a contact)."""
    cdc = factories.user(role="cdc")
    factories.rate("EUR", 2024, "0.5")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MINOPEN")
    shown = factories.organization(OrgKind.BILATERAL, acronym="SHOWNAID")
    hidden = factories.organization(OrgKind.BILATERAL, acronym="HIDDENAID")
    public = factories.project(
        shown,
        ministry,
        title_en=PUBLIC_TITLE,
        funding=[projects.YearAmount(2024, "disbursement", PUBLIC_AMOUNT, "USD")],
        contact_name=CONTACT_NAME,
        contact_email=CONTACT_EMAIL,
    )
    projects.set_published(public, True, actor=cdc)
    secret = factories.project(
        hidden,
        ministry,
        title_en=SECRET_TITLE,
        funding=[projects.YearAmount(2024, "disbursement", SECRET_AMOUNT / 2, "EUR")],
        contact_name=CONTACT_NAME,
        contact_email=CONTACT_EMAIL,
    )
    for project in (public, secret):
        alignment.save_figures(
            project,
            [
                alignment.FigureData(
                    2024, Decimal("5000"), "disputed", f"{THREAD_WORD} tranche missing"
                )
            ],
            actor=cdc,
        )
    # Untouched for two years: the quality annex lists it among the stale projects.
    db.session.execute(
        update(Project)
        .where(Project.id == secret.id)
        .values(updated_at=datetime.now(UTC) - timedelta(days=800))
    )
    db.session.expire_all()
    return cdc, public, secret


def _issue(cdc, audience: str) -> IssuedReport:
    params = ReportParams(year=2024, sections=("key_figures", "partners"), audience=audience)
    job = services.start(params, cdc)
    return services.issue(db.session.get(ReportJob, job.id), cdc)


def test_the_internal_edition_shows_what_the_public_pages_do_not(world):
    """The leak as it was: every report was built as CDC sees the data."""
    built = services.build(ReportParams(year=2024, audience="internal"))
    text = _flat(built.pdf)
    assert SECRET_WORD in text  # an unpublished project's title (disputes, stale projects)
    assert money(SECRET_AMOUNT) in text  # ...and its money, in the partners' table
    assert "HIDDENAID" in text
    assert THREAD_WORD in text  # a figure's thread between partner, ministry and CDC
    assert "Annex: data quality" in text and "Projects not updated for more than a year" in text
    # No section ever printed a project's contact person: neither edition may.
    assert CONTACT_NAME not in text and CONTACT_EMAIL not in text
    assert INTERNAL_COVER in text


def test_the_public_edition_holds_only_what_the_public_sees(world):
    params = ReportParams(year=2024, audience="public")  # every section asked for
    assert params.sections == PUBLIC_SECTIONS
    built = services.build(params)
    text = _flat(built.pdf)
    for leak in (SECRET_WORD, money(SECRET_AMOUNT), "HIDDENAID", THREAD_WORD, CONTACT_NAME):
        assert leak not in text, leak
    assert CONTACT_EMAIL not in text
    for title in ("alignment", "reconciliation", "commitments", "pilots", "quality"):
        assert str(SECTIONS[title]) not in text, title
    assert "Annex: data quality" not in text and "Latest comment" not in text
    # What it does show: the published project's money, its partner, the edition on the cover.
    assert money(PUBLIC_AMOUNT) in text and "SHOWNAID" in text
    assert PUBLIC_COVER in " ".join(read.text(built.pdf, 1, 1).split())
    assert "counts only the projects published on the portal's public pages" in text
    # The rates listed are those of the money shown: not the unpublished project's EUR.
    data = content.collect(params)
    assert "EUR" not in [r.currency_code for r in data.rates]
    internal = content.collect(ReportParams(year=2024, audience="internal"))
    assert "EUR" in [r.currency_code for r in internal.rates]


def test_the_public_totals_count_published_projects_only(world):
    sections = ("key_figures", "partners", "sectors", "provinces", "assistance", "trend")
    public = content.collect(ReportParams(year=2024, sections=sections, audience="public"))
    internal = content.collect(ReportParams(year=2024, sections=sections, audience="internal"))
    assert public.key["disbursed"] == PUBLIC_AMOUNT
    assert internal.key["disbursed"] == PUBLIC_AMOUNT + SECRET_AMOUNT
    assert public.key["partners"] == 1
    # The public dashboard's figures, for the same year.
    board = dashboard(AnonymousUserMixin(), ProjectFilters(), 2024, "en")["key"]
    for measure in ("disbursed", "planned", "commitment", "partners", "on_budget_share"):
        assert public.key[measure] == board[measure], measure
    # Every table and chart adds up to the published money alone.
    for dimension in ("partner", "category", "province", "assistance", "modality"):
        rows = public.rows[dimension]
        assert sum((r.disbursed for r in rows), Decimal(0)) == PUBLIC_AMOUNT, dimension
        assert sum(r.project_count for r in rows) == 1, dimension
    assert [(r.key, r.disbursed) for r in public.trend] == [(2024, PUBLIC_AMOUNT)]
    # The map (drawn at render time) too: both projects are nationwide.
    params = ReportParams(year=2024, sections=("provinces",), audience="public")
    html = render.render_html(params, content.collect(params), for_pdf=True)
    assert money(PUBLIC_AMOUNT) in html and money(SECRET_AMOUNT) not in html


def test_publishing_an_internal_report_is_refused(client, login_as, world):
    cdc, *_ = world
    report = _issue(cdc, "internal")
    login_as("cdc")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'id="toggle-public"' not in page  # no publish button...
    assert 'id="not-publishable"' in page and "Build the public edition" in page  # ...but why
    assert "Internal edition" in page

    response = client.post(f"/reports/{report.id}/publish", data={"published": "1"})
    assert response.status_code == 409
    assert "This report is an internal edition" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IssuedReport, report.id).published_at is None
    with pytest.raises(services.NotPublishable):
        services.set_published(report, True, cdc)
    client.post("/logout")
    assert client.get(f"/reports/{report.id}/report.pdf").status_code == 404


def test_the_refusal_speaks_the_user_s_language(client, login_as, world):
    cdc, *_ = world
    report = _issue(cdc, "internal")
    login_as("cdc", locale="km")
    response = client.post(f"/reports/{report.id}/publish", data={"published": "1"})
    assert response.status_code == 409
    with force_locale("km"):
        refusal = gettext(REFUSAL)
    assert refusal in response.get_data(as_text=True)


def test_a_public_report_publishes_and_the_public_sees_its_edition(client, login_as, world):
    cdc, *_ = world
    report = _issue(cdc, "public")
    login_as("cdc")
    response = client.post(f"/reports/{report.id}/publish", data={"published": "1"})
    assert response.status_code == 302
    assert db.session.get(IssuedReport, report.id).published_at is not None
    client.post("/logout")
    listing = client.get("/reports/").get_data(as_text=True)
    assert report.title in listing and 'data-audience="public"' in listing
    detail = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert PUBLIC_COVER in detail
    assert client.get(f"/reports/{report.id}/report.pdf").data == report.pdf


def test_an_internal_report_published_before_can_still_be_withdrawn(client, login_as, world):
    cdc, *_ = world
    report = _issue(cdc, "internal")
    report.published_at = datetime.now(UTC)  # as the migration finds some
    db.session.flush()
    login_as("cdc")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Withdraw from the public" in page
    assert client.post(f"/reports/{report.id}/publish", data={"published": "0"}).status_code == 302
    assert db.session.get(IssuedReport, report.id).published_at is None


def test_parameters_stored_before_audiences_are_internal():
    stored = ReportParams(year=2024).as_json()
    del stored["audience"]
    assert ReportParams.from_json(stored).audience == "internal"
    assert audience_of(stored) == "internal" and audience_of(None) == "internal"
    assert ReportParams.from_json({**stored, "audience": "public"}).is_public
    with pytest.raises(ValueError, match="unknown audience"):
        ReportParams(year=2024, audience="press")


@pytest.mark.parametrize(
    ("language", "audience"),
    [
        ("en", "public"),
        ("en", "internal"),
        ("km", "public"),
        ("km", "internal"),
        ("both", "public"),
    ],
)
def test_the_cover_states_the_audience(world, language, audience):
    params = ReportParams(
        year=2024, language=language, sections=("key_figures",), audience=audience
    )
    html = render.render_html(params, content.collect(params), for_pdf=True).replace(ZWSP, "")
    cover = html.split('<nav class="toc"')[0]
    message = PUBLIC_COVER if audience == "public" else INTERNAL_COVER
    for locale in params.locales:  # each language's own words, marked as that language
        with force_locale(locale):
            expected = str(escape(gettext(message)))
        assert f'lang="{locale}"' in cover and expected in cover, (locale, expected)
    if language == "en":  # shaped Khmer does not read back from a PDF in order: English only
        built = services.build(params)
        assert message in " ".join(read.text(built.pdf, 1, 1).split())


def test_the_builder_offers_the_audience_public_by_default(client, login_as, world):
    login_as("cdc")
    page = client.get("/reports/new").get_data(as_text=True)
    assert 'name="audience"' in page
    assert re.search(r'<input checked[^>]*name="audience"[^>]*value="public"', page)
    assert "internal edition only" in page
    base = {"year": "2024", "scope": "country", "language": "en", "action": "generate"}
    refused = client.post("/reports/new", data={**base, "sections": ["quality"]})
    assert refused.status_code == 422
    assert "The public edition has none of these sections" in refused.get_data(as_text=True)
    response = client.post(
        "/reports/new", data={**base, "sections": ["quality"], "audience": "internal"}
    )
    assert response.status_code == 302
    job = db.session.scalar(select(ReportJob).order_by(ReportJob.id.desc()))
    assert job.params["audience"] == "internal"
    job_page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "Internal edition" in job_page and "audience=internal" in job_page


def test_a_public_report_from_a_round_counts_published_projects_only():
    from portal.rounds import checklist, freeze
    from portal.rounds import services as rounds
    from tests.rounds import scenario

    town = scenario.build()
    cdc = town.cdc_user
    # Published: 100,000 USD disbursed in 2024, 150,000 in 2025. Unpublished: 333,000 in 2024.
    projects.set_published(town.usd_project, True, actor=cdc)
    factories.project(
        town.other_partner,
        town.ministry,
        title_en="Hidden bridge",
        funding=[scenario.money(2024, "disbursement", "333000")],
    )
    deadline = date.today() + timedelta(days=20)
    for year in (scenario.YEAR - 1, scenario.YEAR):  # the trend reads the earlier round too
        round_ = rounds.open_round(year, deadline, actor=cdc)
        checklist.confirm_unchanged(round_, town.usd_project, actor=town.partner_user)
        freeze.close(round_, actor=cdc)

    def frozen(audience: str):
        return ReportParams(year=scenario.YEAR, round_year=scenario.YEAR, audience=audience)

    public, internal = content.collect(frozen("public")), content.collect(frozen("internal"))
    assert public.key["disbursed"] == Decimal("150000.00")
    assert internal.key["disbursed"] == Decimal("750000.00")
    assert "coverage" in frozen("internal").sections
    assert set(frozen("public").sections) <= set(PUBLIC_SECTIONS)
    assert public.alignment == [] and public.disputes == [] and public.quality == []
    assert [(r.key, r.disbursed) for r in public.trend if r.disbursed] == [
        (scenario.YEAR - 1, Decimal("100000.00")),
        (scenario.YEAR, Decimal("150000.00")),
    ]
    assert [(r.key, r.disbursed) for r in internal.trend if r.disbursed] == [
        (scenario.YEAR - 1, Decimal("433000.00")),
        (scenario.YEAR, Decimal("750000.00")),
    ]
    # The plans of the later years, from this round's snapshot, are the published project's.
    assert [(r.key, r.planned) for r in public.trend if r.key > scenario.YEAR] == [
        (2026, Decimal("200000.00")),
        (2027, Decimal("250000.00")),
    ]
    assert sum(r.project_count for r in public.rows["partner"]) == 1
    text = _flat(services.build(frozen("public")).pdf)
    assert "Health centres" not in text and "Clean water" not in text
    assert "750,000" not in text and "433,000" not in text and "150,000.00" in text
    assert "the round's figures of the projects published today" in text
    # Withdrawn from the public since the freeze: it leaves the public edition too.
    projects.set_published(town.usd_project, False, actor=cdc)
    assert content.collect(frozen("public")).key["disbursed"] == Decimal(0)


@pytest.mark.own_database
def test_the_migration_withdraws_every_published_report_that_is_not_public(backend, tmp_root):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig
    from tests.conftest import drop_scratch_database, scratch_database_url

    revision = "b8db8eac09f5"
    url = scratch_database_url(backend, "reports_audience", tmp_root)
    app = create_app(TestConfig(url))
    table = sa.table(
        "issued_report",
        *(sa.column(name) for name in ("id", "title", "language", "size", "page_count")),
        *(sa.column(name) for name in ("sha256", "issued_at", "data_time", "published_at")),
        sa.column("params", sa.JSON),
        sa.column("pdf", sa.LargeBinary),
    )
    now = datetime.now(UTC)
    base = ReportParams(year=2024).as_json()
    old = {k: v for k, v in base.items() if k != "audience"}  # stored before audiences
    reports = {
        1: (old, now),  # published, no audience: internal, leaking
        2: ({**base, "audience": "internal"}, now),  # published internal: leaking
        3: ({**base, "audience": "public"}, now),  # published public: stays
        4: (old, None),  # not published: untouched
    }
    try:
        with app.app_context():
            upgrade(revision=f"{revision}-1")
            with db.engine.begin() as connection:  # as the rows stood, without the ORM's hooks
                connection.execute(
                    table.insert(),
                    [
                        {
                            "id": report_id,
                            "title": f"Report {report_id}",
                            "language": "en",
                            "size": 4,
                            "page_count": 1,
                            "sha256": "0" * 64,
                            "issued_at": now,
                            "data_time": now,
                            "published_at": published_at,
                            "params": params,
                            "pdf": b"%PDF",
                        }
                        for report_id, (params, published_at) in reports.items()
                    ],
                )
            upgrade(revision=revision)
            published = dict(db.session.execute(select(table.c.id, table.c.published_at)).all())
            assert [k for k, v in sorted(published.items()) if v is not None] == [3]
            withdrawn = db.session.execute(
                sa.text(
                    "SELECT object_id FROM audit_event WHERE action = 'report_withdrawn' "
                    "ORDER BY object_id"
                )
            ).scalars()
            assert list(withdrawn) == ["1", "2"]
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_scratch_database(url)
