"""The report's loans: by lending partner, the dashboard's loan figures to the cent, for the
edition's reader; the method and rate stated; from a round, today's terms, said so."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_login import AnonymousUserMixin

from portal.dashboard.services import dashboard_context
from portal.extensions import db
from portal.khmer import ZWSP
from portal.loans import services as loans
from portal.loans.rules import LoanData
from portal.organizations.models import OrgKind
from portal.projects.services import set_published
from portal.reports import content, services
from portal.reports.params import PUBLIC, ReportParams
from portal.rounds import freeze
from portal.rounds import services as rounds
from portal.templating import money
from tests import factories
from tests.reports import pdf as read

SOFT = LoanData(
    interest_rate=Decimal("0.75"),
    maturity_years=Decimal("38"),
    grace_years=Decimal("6"),
    repayment_type="1",
    repayment_plan="2",
)
HARD = LoanData(
    interest_rate=Decimal("6"),
    maturity_years=Decimal("10"),
    grace_years=Decimal("2"),
    repayment_type="2",
    repayment_plan="2",
)
YEAR = 2024


@pytest.fixture
def lenders():
    """Two lenders: JBIC-like with a soft and a hard loan (published), a bank with a published
    loan without terms and an unpublished soft loan; a grant that is no loan."""
    cdc = factories.user(role="cdc")
    first = factories.organization(OrgKind.BILATERAL, acronym="LENDA")
    second = factories.organization(OrgKind.MULTILATERAL, acronym="LENDB")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MIN")
    made = {}
    for key, partner, amount, terms, published in (
        ("soft", first, "2500000.55", SOFT, True),
        ("hard", first, "333333.33", HARD, True),
        ("bare", second, "1200000.10", None, True),
        ("hidden", second, "4000000.01", SOFT, False),
    ):
        project = factories.project(
            reporting=partner,
            lead=ministry,
            title_en=f"Loan {key}",
            type_of_assistance="loan",
            commitment_amount=Decimal(amount),
        )
        if terms is not None:
            loans.save_terms(project, terms, actor=None)
        if published:
            set_published(project, True, actor=None)
        made[key] = project
    grant = factories.project(
        reporting=first, lead=ministry, type_of_assistance="grant", title_en="A grant"
    )
    set_published(grant, True, actor=None)
    db.session.commit()
    return {"cdc": cdc, "first": first, "second": second, "projects": made}


def _dashboard_loans(app, user, year):
    with app.test_request_context(f"/dashboard/?year={year}"):
        from flask import request

        return dashboard_context(request.args, user)["loans"]


def _same(section_total, board) -> None:
    for name in (
        "loans",
        "with_grant_element",
        "commitment_usd",
        "grant_equivalent_usd",
        "concessional",
        "average_grant_element",
        "concessional_share",
    ):
        assert getattr(section_total, name) == getattr(board, name), name


def test_totals_equal_the_dashboard_for_each_edition_to_the_cent(app, lenders):
    internal = content.collect(ReportParams(year=YEAR, sections=("loans",))).loans
    public = content.collect(ReportParams(year=YEAR, sections=("loans",), audience=PUBLIC)).loans
    _same(internal.total, _dashboard_loans(app, lenders["cdc"], YEAR))
    _same(public.total, _dashboard_loans(app, AnonymousUserMixin(), YEAR))
    # The internal edition counts the unpublished loan, the public one does not.
    assert internal.total.loans == 4 and public.total.loans == 3
    assert internal.total.commitment_usd == Decimal("8033333.99")
    assert public.total.commitment_usd == Decimal("4033333.98")
    # Partners, largest commitment first; their sums add up to the total, to the cent.
    assert [p for p, _ in internal.by_partner] == [lenders["second"].id, lenders["first"].id]
    for section in (internal, public):
        assert sum((f.grant_equivalent_usd for _, f in section.by_partner), Decimal(0)) == (
            section.total.grant_equivalent_usd
        )
    first = dict(public.by_partner)[lenders["first"].id]
    soft = loans.concessionality(SOFT).grant_element
    hard = loans.concessionality(HARD).grant_element
    assert soft is not None and hard is not None and soft >= 35 > hard
    assert first.grant_equivalent_usd == (
        (Decimal("2500000.55") * soft / 100).quantize(Decimal("0.01"))
        + (Decimal("333333.33") * hard / 100).quantize(Decimal("0.01"))
    )
    assert first.concessional_share == (
        100 * Decimal("2500000.55") / Decimal("2833333.88")
    ).quantize(Decimal("0.1"))
    second = dict(public.by_partner)[lenders["second"].id]
    assert (second.loans, second.with_grant_element, second.average_grant_element) == (1, 0, None)


def _flat(pdf: bytes) -> str:
    return " ".join(read.text(pdf).replace(ZWSP, "").split())


def test_the_pdf_states_method_rate_threshold_and_the_partners(app, lenders, tmp_path):
    loans.save_settings(Decimal("5"), Decimal("35"), actor=None)
    db.session.commit()
    params = ReportParams(year=YEAR, sections=("loans", "methodology"), audience=PUBLIC)
    built = services.build(params)
    text = _flat(built.pdf)
    assert "Loans and their concessionality" in text
    assert "OECD DAC method, discount rate 5 %" in text
    assert "concessional when its grant element is at least 35 %" in text
    data = content.collect(params).loans
    total = data.total
    line = re.search(r"Total ([\d,.]+) (\d+) (\d+) ([\d.]+) % ([\d,.]+) ([\d.]+) %", text)
    assert line, text
    assert line.group(1) == money(total.commitment_usd)
    assert (int(line.group(2)), int(line.group(3))) == (3, 2)
    assert line.group(5) == money(total.grant_equivalent_usd)
    assert "LENDA" in text and "LENDB" in text
    assert money(Decimal("4000000.01")) not in text  # the unpublished loan
    assert read.to_png(built.pdf, 3, tmp_path).stat().st_size > 0


def test_khmer_and_bilingual_editions_carry_the_section(app, lenders, tmp_path):
    km = services.build(ReportParams(year=YEAR, sections=("loans",), language="km"))
    text = _flat(km.pdf)
    # The figures are there whatever the language (Khmer digits are off by default).
    total = content.collect(ReportParams(year=YEAR, sections=("loans",))).loans.total
    assert money(total.grant_equivalent_usd).replace(",", "") in text.replace(",", "")
    assert "LENDA" in text
    assert read.to_png(km.pdf, 3, tmp_path).stat().st_size > 0
    both = _flat(services.build(ReportParams(year=YEAR, sections=("loans",), language="both")).pdf)
    assert "Loans and their concessionality" in both
    assert "OECD DAC method, discount rate 10 %" in both


def test_a_round_report_measures_its_frozen_loans_with_todays_terms(app, lenders):
    round_ = rounds.open_round(YEAR, date.today() + timedelta(days=20), actor=lenders["cdc"])
    freeze.close(round_, actor=lenders["cdc"])
    db.session.commit()
    # After the freeze, the loan without terms gets some: the round's report reads them.
    bare = lenders["projects"]["bare"]
    loans.save_terms(bare, HARD, actor=None)
    db.session.commit()
    params = ReportParams(year=YEAR, round_year=YEAR, sections=("loans",))
    section = content.collect(params).loans
    assert section.terms_read_at is not None
    assert section.total.loans == 4
    assert section.total.with_grant_element == 4  # today's terms of the bare loan
    assert section.total.commitment_usd == Decimal("8033333.99")  # the round's commitments
    text = _flat(services.build(params).pdf)
    assert "keeps no loan terms" in text
