"""CDC's introduction and commentary: written on the draft, printed in the edition's language,
never in a section the edition leaves out, frozen once the report is issued."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.khmer import ZWSP
from portal.projects import services as projects
from portal.reports import content, render, services
from portal.reports.commentary import MAX_LENGTH
from portal.reports.models import IssuedReport, IssuedReportChanged, ReportJob
from portal.reports.params import ReportParams
from tests import factories
from tests.reports import pdf as read

INTRO_EN = "This year the partners kept their promises on roads."
INTRO_KM = "ដៃគូអភិវឌ្ឍន៍បានគោរពការសន្យាលើវិស័យការអប់រំ និងសាលា។"
KEY_EN = "Disbursements rose, mostly through budget support."
KEY_KM = "គម្រោងទាំងអស់មានការវិនិយោគ ការងារបានការពារ។"
ALIGN_EN = "Ministries confirmed most projects quickly."


def _job(cdc, **params) -> ReportJob:
    fields = {"year": 2024, "sections": ("key_figures", "methodology"), "audience": "internal"}
    job = services.start(ReportParams(**{**fields, **params}), cdc)
    return db.session.get(ReportJob, job.id)


def _write(client, job: ReportJob, **texts):
    data = {"-".join(key.rsplit("_", 1)): value for key, value in texts.items()}
    return client.post(f"/reports/jobs/{job.id}/commentary", data=data)


def _flat(pdf: bytes) -> str:
    """The PDF's text with the line breaks, spaces and Khmer word marks taken out."""
    return "".join(read.reading_text(pdf).replace(ZWSP, "").split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


# Words of each text that the report uses nowhere else. Shaped Khmer read back from a PDF
# loses the order of some vowels and subscripts, and a mark above a letter may come out on a
# line of its own (the glyphs are right; the pages were checked by eye), so a Khmer sentence
# never reads back whole: these words do, and the count of Khmer letters tells the rest.
MARKS = {
    INTRO_EN: ("kept", "promises", "roads."),
    INTRO_KM: ("សាលា",),
    KEY_EN: ("rose,", "mostly"),
    KEY_KM: ("ការងារ", "ការពារ"),
}


def _khmer_letters(text: str) -> int:
    return sum(1 for ch in text if "\u1780" <= ch <= "\u17ff")


def _printed(words: str, text: str) -> bool:
    return all(mark in text for mark in MARKS[words])


def _absent(words: str, text: str) -> bool:
    return not any(mark in text for mark in MARKS[words])


@pytest.fixture
def money_2024():
    return factories.project(
        funding=[projects.YearAmount(2024, "disbursement", Decimal("250000"), "USD")]
    )


@pytest.mark.parametrize(
    ("language", "printed", "left_out"),
    [
        ("en", (INTRO_EN, KEY_EN), (INTRO_KM, KEY_KM)),
        ("km", (INTRO_KM, KEY_KM), (INTRO_EN, KEY_EN)),
        ("both", (INTRO_EN, KEY_EN, INTRO_KM, KEY_KM), ()),
    ],
)
def test_commentary_is_kept_with_the_draft_and_printed_in_the_editions_language(
    client, login_as, money_2024, language, printed, left_out
):
    cdc = login_as("cdc")
    job = _job(cdc, language=language)
    before = _flat(client.get(f"/reports/jobs/{job.id}/report.pdf").data)
    assert all(_absent(words, before) for words in printed)
    page = client.get(f"/reports/jobs/{job.id}/commentary")
    assert page.status_code == 200
    response = _write(
        client,
        job,
        introduction_en=INTRO_EN,
        introduction_km=INTRO_KM,
        key_figures_en=KEY_EN,
        key_figures_km=KEY_KM,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/jobs/{job.id}")
    db.session.expire_all()
    job = db.session.get(ReportJob, job.id)
    assert job.commentary == {
        "introduction": {"en": INTRO_EN, "km": INTRO_KM},
        "key_figures": {"en": KEY_EN, "km": KEY_KM},
    }
    assert job.state == "done"  # generated again with the texts
    pdf = client.get(f"/reports/jobs/{job.id}/report.pdf").data
    text = _flat(pdf)
    for words in printed:
        assert _printed(words, text), words
    if language == "en":
        assert _squeezed(INTRO_EN) in text and _squeezed(KEY_EN) in text
    # Every Khmer letter of the texts printed, give or take what reading back loses or doubles.
    expected = sum(_khmer_letters(words) for words in printed)
    added = _khmer_letters(text) - _khmer_letters(before)
    assert 0.8 * expected <= added <= 1.2 * expected, (added, expected)
    for words in left_out:
        assert _absent(words, text), words
    if language != "en":
        assert any("Noto-Sans-Khmer" in name and embedded for name, embedded in read.fonts(pdf))
    # The page says what was written, for the next visit.
    again = client.get(f"/reports/jobs/{job.id}/commentary").get_data(as_text=True)
    assert INTRO_EN in again and KEY_KM in again


def test_khmer_commentary_gets_the_same_line_breaking_as_the_rest_of_the_report(money_2024):
    params = ReportParams(year=2024, language="km", sections=("key_figures",))
    html = render.render_html(
        params, content.collect(params), for_pdf=True, commentary={"key_figures": {"km": KEY_KM}}
    )
    # Marked between words (portal.khmer), the PDF renderer may wrap the commentary.
    marked = html.split('class="commentary"')[1].split("</div>")[0]
    assert ZWSP in marked and marked.replace(ZWSP, "").count(KEY_KM.split()[0]) == 1


def test_empty_commentary_prints_nothing_not_even_a_heading(client, login_as, money_2024):
    cdc = login_as("cdc")
    job = _job(cdc, language="en")
    _write(client, job, key_figures_en="   \r\n  ", introduction_km="ខ្លឹមសារ")  # Khmer only
    db.session.expire_all()
    job = db.session.get(ReportJob, job.id)
    assert job.commentary == {"introduction": {"km": "ខ្លឹមសារ"}}
    text = read.text(client.get(f"/reports/jobs/{job.id}/report.pdf").data)
    # An English edition with only a Khmer introduction has no introduction at all.
    assert "Introduction" not in text
    params = ReportParams.from_json(job.params)
    html = render.render_html(
        params, content.collect(params), for_pdf=True, commentary=job.commentary
    )
    assert 'class="commentary' not in html and "s-introduction" not in html


def test_a_section_the_edition_leaves_out_prints_no_commentary(money_2024):
    texts = {
        "alignment": {"en": ALIGN_EN},
        "key_figures": {"en": KEY_EN},
    }
    sections = ("key_figures", "alignment")
    public = services.build(
        ReportParams(year=2024, sections=sections, audience="public"), None, texts
    )
    internal = services.build(
        ReportParams(year=2024, sections=sections, audience="internal"), None, texts
    )
    assert _squeezed(KEY_EN) in _flat(public.pdf) and _squeezed(KEY_EN) in _flat(internal.pdf)
    assert _squeezed(ALIGN_EN) in _flat(internal.pdf)
    assert "Ministriesconfirmed" not in _flat(public.pdf)


def test_the_form_offers_only_the_editions_sections(client, login_as):
    cdc = login_as("cdc")
    job = _job(cdc, audience="public", sections=("key_figures", "alignment", "methodology"))
    page = client.get(f"/reports/jobs/{job.id}/commentary").get_data(as_text=True)
    assert 'name="key_figures-en"' in page and 'name="methodology-km"' in page
    assert 'name="introduction-en"' in page
    assert 'name="alignment-en"' not in page  # a public edition has no alignment section
    # Posted anyway, a text for a section the edition lacks is not kept.
    _write(client, job, alignment_en=ALIGN_EN, key_figures_en=KEY_EN)
    db.session.expire_all()
    assert db.session.get(ReportJob, job.id).commentary == {"key_figures": {"en": KEY_EN}}


@pytest.mark.parametrize("locale", ["en", "km"])
def test_bad_texts_are_refused_beside_their_field_in_the_users_language(client, login_as, locale):
    cdc = login_as("cdc")
    job = _job(cdc)
    if locale == "km":
        client.post("/language", data={"lang": "km"})
    response = _write(
        client,
        job,
        introduction_en="x" * (MAX_LENGTH + 1),
        key_figures_km="ការ\x07ផ្តល់",
        key_figures_en=KEY_EN,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    too_long = page.split('id="introduction-en-error"')[1].split("</div>")[0]
    control = page.split('id="key_figures-km-error"')[1].split("</div>")[0]
    if locale == "en":
        assert f"at most {MAX_LENGTH:,}" in too_long or f"at most {MAX_LENGTH}" in too_long
        assert "control characters" in control
    else:
        # (Khmer from the catalog: /tmp/km-jr21.json until the lead merges it.)
        assert "តួអក្សរ" in too_long and "control" not in control, too_long
    # What was typed stays in the form; nothing was kept.
    assert KEY_EN in page
    db.session.expire_all()
    assert db.session.get(ReportJob, job.id).commentary is None


def test_an_issued_reports_commentary_never_changes(client, login_as, money_2024):
    cdc = login_as("cdc")
    job = _job(cdc)
    _write(client, job, introduction_en=INTRO_EN)
    client.post(f"/reports/jobs/{job.id}/issue")
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))
    assert report.commentary == {"introduction": {"en": INTRO_EN}}
    assert _squeezed(INTRO_EN) in _flat(report.pdf)

    # The page shows the words, without a form; a post is refused and changes nothing.
    page = client.get(f"/reports/jobs/{job.id}/commentary")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert INTRO_EN in body and 'id="save-commentary"' not in body
    refused = _write(client, job, introduction_en="Rewritten history.")
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(ReportJob, job.id).commentary == {"introduction": {"en": INTRO_EN}}
    issued = db.session.get(IssuedReport, report.id)
    assert client.get(f"/reports/{report.id}/report.pdf").data == issued.pdf
    with pytest.raises(services.AlreadyIssued):
        services.write_commentary(db.session.get(ReportJob, job.id), {}, cdc)

    # Not even behind the pages' back.
    issued.commentary = {"introduction": {"en": "Rewritten history."}}
    with pytest.raises(IssuedReportChanged):
        db.session.flush()
    db.session.rollback()


def test_a_report_from_a_closed_round_prints_its_commentary_too():
    from portal.rounds import checklist, freeze
    from portal.rounds import services as rounds
    from tests.rounds import scenario

    town = scenario.build()
    cdc = town.cdc_user
    deadline = date.today() + timedelta(days=20)
    for year in (scenario.YEAR - 1, scenario.YEAR):
        round_ = rounds.open_round(year, deadline, actor=cdc)
        checklist.confirm_unchanged(round_, town.usd_project, actor=town.partner_user)
        freeze.close(round_, actor=cdc)
    params = ReportParams(
        year=scenario.YEAR,
        round_year=scenario.YEAR,
        language="km",
        sections=("summary", "key_figures", "coverage"),
    )
    job = db.session.get(ReportJob, services.start(params, cdc).id)
    services.write_commentary(
        job, {"introduction": {"km": INTRO_KM}, "coverage": {"km": KEY_KM}}, cdc
    )
    db.session.expire_all()
    job = db.session.get(ReportJob, job.id)
    assert job.state == "done", job.error
    text = _flat(job.pdf)
    assert _printed(INTRO_KM, text) and _printed(KEY_KM, text)


def test_building_an_issued_report_again_carries_its_commentary_over(client, login_as, money_2024):
    """ "Build it again" and "Build the public edition" keep CDC's words on the new draft, less
    those of sections the new draft leaves out."""
    cdc = login_as("cdc")
    job = _job(cdc, sections=("key_figures", "alignment", "methodology"))
    _write(client, job, introduction_en=INTRO_EN, key_figures_km=KEY_KM, alignment_en=ALIGN_EN)
    client.post(f"/reports/jobs/{job.id}/issue")
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))

    detail = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert f"commentary_from={report.id}" in detail
    form = client.get(
        f"/reports/new?audience=public&year=2024&scope=country&language=en"
        f"&sections=key_figures&sections=methodology&commentary_from={report.id}"
    ).get_data(as_text=True)
    assert f'name="commentary_from" type="hidden" value="{report.id}"' in form

    answer = client.post(
        "/reports/new",
        data={
            "audience": "public",
            "year": "2024",
            "year_to": "2024",
            "scope": "country",
            "language": "en",
            "sections": ["key_figures", "methodology"],
            "commentary_from": str(report.id),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    new_job = db.session.get(ReportJob, int(answer.headers["Location"].rsplit("/", 1)[-1]))
    # The public edition has no alignment section: its commentary stays behind.
    assert new_job.commentary == {
        "introduction": {"en": INTRO_EN},
        "key_figures": {"km": KEY_KM},
    }


def test_the_preview_shows_the_commentary_the_pdf_prints(client, login_as, money_2024):
    """The draft's "Preview as a web page" shows its introduction and commentary, as its PDF
    does; the builder's preview of a report built again shows those it carries over."""
    cdc = login_as("cdc")
    job = _job(cdc, sections=("key_figures", "alignment", "methodology"))
    _write(client, job, introduction_en=INTRO_EN, key_figures_en=KEY_EN, alignment_en=ALIGN_EN)
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    link = page.split('id="preview-draft"')[0].rsplit('href="', 1)[1].split('"')[0]
    preview = client.get(link.replace("&amp;", "&"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert INTRO_EN in html and KEY_EN in html and ALIGN_EN in html
    assert 'id="s-introduction"' in html
    # The PDF prints the same words.
    pdf = _flat(client.get(f"/reports/jobs/{job.id}/report.pdf").data)
    assert _squeezed(INTRO_EN) in pdf and _squeezed(KEY_EN) in pdf

    client.post(f"/reports/jobs/{job.id}/issue")
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))
    answer = client.post(
        "/reports/new",
        data={
            "action": "preview",
            "audience": "public",
            "year": "2024",
            "year_to": "2024",
            "scope": "country",
            "language": "en",
            "sections": ["key_figures", "methodology"],
            "commentary_from": str(report.id),
        },
    )
    assert answer.status_code == 302
    assert f"commentary_from={report.id}" in answer.headers["Location"]
    carried = client.get(answer.headers["Location"]).get_data(as_text=True)
    # The public edition has no alignment section: its words stay out of the preview too.
    assert INTRO_EN in carried and KEY_EN in carried and ALIGN_EN not in carried
    # A preview of no draft shows the figures only.
    plain = client.get(link.replace("&amp;", "&").replace(f"job={job.id}", "")).get_data(
        as_text=True
    )
    assert INTRO_EN not in plain and 'id="s-introduction"' not in plain
