"""Each loan's grant element is stored with its terms (the sums over many loans read it): it
follows the terms as they are saved, follows CDC's discount rate when CDC changes it, and is
there for the demo's copied loans and after the migration that brought it."""

from dataclasses import replace
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from portal.extensions import db
from portal.loans import services
from portal.loans.models import LoanTerms
from portal.loans.rules import LoanData
from tests import factories
from tests.conftest import seeded_scratch

BEFORE = "c3e8a7d2f415"  # the revision before the stored grant element


def _stored_and_worked_out(discount: Decimal) -> list[tuple[int | None, int | None]]:
    """(stored, worked out by the formula at `discount`) for every loan's terms."""
    db.session.expire_all()
    return [
        (loan.grant_element_bp, services.grant_element_bp(loan, discount))
        for loan in db.session.scalars(select(LoanTerms).order_by(LoanTerms.id))
    ]


def _with(terms: LoanTerms, **changes) -> LoanData:
    """The stored terms with `changes`, as the form would send them."""
    return replace(services.data_of(terms), **changes)


def test_the_stored_grant_element_follows_the_terms_and_cdcs_rate(loan_world):
    loan = loan_world["loan"]
    cdc = factories.user(role="cdc")
    terms = services.save_terms(
        loan,
        LoanData(
            interest_rate=Decimal("1"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=cdc,
    )
    db.session.commit()
    # 1 %, 30 years, 8 of grace, equal half-yearly repayments, at CDC's 10 %: 72.10 %.
    assert services.concessionality(terms).grant_element == Decimal("72.10")
    assert terms.grant_element_bp == 7210

    # Edited: worked out again. Without a maturity: none.
    services.save_terms(loan, _with(terms, interest_rate=Decimal("2.5")), actor=cdc)
    db.session.commit()
    assert terms.grant_element_bp == services.grant_element_bp(terms, Decimal("10")) < 7210
    services.save_terms(loan, _with(terms, maturity_years=None), actor=cdc)
    db.session.commit()
    assert terms.grant_element_bp is None

    # Another loan on the same terms, and one more: CDC lowers its rate, every loan follows.
    services.save_terms(loan, _with(terms, maturity_years=Decimal("30")), actor=cdc)
    other = factories.project(reporting=loan_world["partner"], type_of_assistance="loan")
    for project, rate in ((other, "0.75"), (factories.project(type_of_assistance="loan"), "1")):
        services.save_terms(
            project,
            LoanData(
                interest_rate=Decimal(rate),
                maturity_years=Decimal("40"),
                grace_years=Decimal("10"),
                repayment_type="2",
            ),
            actor=cdc,
        )
    db.session.commit()
    version, updated = terms.version, terms.updated_at
    assert all(stored == worked for stored, worked in _stored_and_worked_out(Decimal("10")))
    services.save_settings(Decimal("5"), Decimal("35"), actor=cdc)
    db.session.commit()
    pairs = _stored_and_worked_out(Decimal("5"))
    assert len(pairs) == 3 and all(stored is not None for stored, _ in pairs)
    assert all(stored == worked for stored, worked in pairs)
    assert pairs != [(worked, worked) for _, worked in _stored_and_worked_out(Decimal("10"))]
    # A figure worked out again, not an edit: an editor's open form still saves.
    db.session.refresh(terms)
    assert (terms.version, terms.updated_at) == (version, updated)
    services.save_terms(
        loan, _with(terms, grace_years=Decimal("7")), actor=cdc, expected_version=version
    )
    db.session.commit()
    assert terms.grant_element_bp == services.grant_element_bp(terms, Decimal("5"))


# Its own database throughout: the suite's rolled-back session would write elsewhere.
@pytest.mark.own_database
def test_the_demo_and_the_migration_store_every_loans_grant_element(backend, tmp_root):
    # The demo's loans' rows are copied, not saved through the ORM.
    with seeded_scratch(backend, "stored_grant_element", tmp_root, projects=150):
        pairs = _stored_and_worked_out(Decimal("10"))
        assert len([p for p in pairs if p[0] is not None]) > 10
        assert all(stored == worked for stored, worked in pairs)
        db.session.remove()

        downgrade(revision=BEFORE)
        db.session.execute(
            text("INSERT INTO setting (key, value) VALUES (:k, '7.5')"),
            {"k": services.DISCOUNT_KEY},
        )
        db.session.commit()
        db.session.remove()
        upgrade()
        pairs = _stored_and_worked_out(Decimal("7.5"))
        assert all(stored == worked for stored, worked in pairs)
        assert pairs != [(worked, worked) for _, worked in _stored_and_worked_out(Decimal(10))]
