"""Factories for test records, flushed into the test's session."""

from __future__ import annotations

import functools
import itertools

import factory

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind

_sequence = itertools.count(1)


@functools.cache
def _test_password_hash() -> str:
    from portal.accounts.models import _hasher
    from tests.conftest import TEST_PASSWORD

    return _hasher.hash(TEST_PASSWORD)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the test's session)
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(_Base):
    class Meta:
        model = Organization

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name_en = factory.LazyAttribute(lambda o: f"Organization {o.acronym}")
    kind = OrgKind.BILATERAL


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"Test User {n}")
    role = Role.DP
    session_version = 1
    password_hash = ""

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        if extracted:
            obj.set_password(extracted)
        else:
            # Hashing is deliberately slow; the usual test password is hashed once per run.
            obj.password_hash = _test_password_hash()
        db.session.flush()


KIND_FOR_ROLE = {"dp": OrgKind.BILATERAL, "ministry": OrgKind.GOVERNMENT, "cdc": OrgKind.GOVERNMENT}


def organization(kind: OrgKind = OrgKind.BILATERAL, **fields) -> Organization:
    """Create an organization of `kind`."""
    return OrganizationFactory(kind=kind, **fields)


def user(role: str = "dp", organization: Organization | None = None, **fields) -> User:
    """Create a user of `role`, with a fitting organization unless one is given."""
    role_value = Role(role)
    if organization is None:
        acronym = "CDC" if role_value is Role.CDC else None
        extra = {"acronym": f"CDC{next(_sequence)}"} if acronym else {}
        organization = OrganizationFactory(kind=KIND_FOR_ROLE[role], **extra)
    return UserFactory(role=role_value, organization=organization, **fields)


def rate(currency: str, year: int, units_per_usd: str) -> None:
    """Put a yearly exchange rate in the table."""
    from decimal import Decimal

    from portal.money.services import set_rate

    set_rate(currency, year, Decimal(units_per_usd))


def project(
    reporting: Organization | None = None, lead: Organization | None = None, actor=None, **fields
):
    """Save a valid project through the registry's own service (every rule applies)."""
    from datetime import date
    from decimal import Decimal

    from portal.projects import services

    reporting = reporting or organization(OrgKind.BILATERAL)
    lead = lead or organization(OrgKind.GOVERNMENT)
    values = {
        "title_en": "Test project",
        "reporting_org_id": reporting.id,
        "lead_national_partner_id": lead.id,
        "planned_start": date(2022, 1, 1),
        "planned_end": date(2026, 12, 31),
        "description": "A project made for a test.",
        "sectors": [services.SectorShare("12220", Decimal(100))],
        "nationwide": True,
        "commitment_amount": Decimal("1000000"),
        "commitment_currency": "USD",
        "commitment_date": date(2022, 1, 1),
    }
    values.update(fields)
    return services.save_project(services.ProjectData(**values), actor=actor)
