"""What the registry's rules look up: organizations, codes, rates, identifiers in use.

`Lookups` asks the database at each question, which suits one form. A batch (an IATI file, a
spreadsheet) uses `Preloaded`, which reads each table once, so that checking ten thousand
projects costs a handful of queries instead of ten per project.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.money.models import Currency
from portal.money.services import load_rates
from portal.organizations.models import Organization
from portal.projects.models import Project
from portal.reference.models import Commune, District, Province, Sector

CHUNK = 500


class Lookups:
    """Answers the rules' questions with a query each (the default, for one project)."""

    def organization(self, org_id: int | None) -> Organization | None:
        return db.session.get(Organization, org_id) if org_id else None

    def known_organizations(self, ids: set[int | None]) -> set[int]:
        return set(db.session.scalars(select(Organization.id).where(Organization.id.in_(ids))))

    def known_sectors(self, codes: list[str]) -> set[str]:
        return set(db.session.scalars(select(Sector.code).where(Sector.code.in_(codes))))

    def province_codes(self) -> set[str]:
        return set(db.session.scalars(select(Province.code)))

    def district_provinces(self, codes: list[str]) -> dict[str, str]:
        statement = select(District.code, District.province_code).where(District.code.in_(codes))
        return dict(db.session.execute(statement).all())

    def commune_districts(self, codes: list[str]) -> dict[str, str]:
        statement = select(Commune.code, Commune.district_code).where(Commune.code.in_(codes))
        return dict(db.session.execute(statement).all())

    def known_currencies(self, codes: set[str]) -> set[str]:
        return set(db.session.scalars(select(Currency.code).where(Currency.code.in_(codes))))

    def rates(self, currencies: set[str]) -> dict[tuple[str, int], Decimal]:
        return load_rates(currencies)

    def project_with_identifier(self, identifier: str) -> int | None:
        statement = select(Project.id).where(Project.iati_identifier == identifier)
        return db.session.scalar(statement)


class Preloaded(Lookups):
    """Answers from tables read once; `identifiers` are the IATI identifiers to be checked.

    Build it after the batch's new organizations exist, and use it for one batch only: it
    does not see rows written after it was made (the batch itself refuses duplicates).
    """

    def __init__(self, identifiers: Sequence[str | None] | None = None) -> None:
        self._organizations = {o.id: o for o in db.session.scalars(select(Organization))}
        self._sectors = set(db.session.scalars(select(Sector.code)))
        self._provinces = set(db.session.scalars(select(Province.code)))
        self._districts = dict(
            db.session.execute(select(District.code, District.province_code)).all()
        )
        self._currencies = set(db.session.scalars(select(Currency.code)))
        self._rates = load_rates()
        self._identifiers: dict[str, int] = {}
        wanted = sorted(set(filter(None, identifiers or [])))
        for start in range(0, len(wanted), CHUNK):
            statement = select(Project.iati_identifier, Project.id).where(
                Project.iati_identifier.in_(wanted[start : start + CHUNK])
            )
            self._identifiers.update(
                (identifier, project_id)
                for identifier, project_id in db.session.execute(statement)
                if identifier is not None  # always: it matched one of `wanted`
            )
        self._checked = set(wanted)

    def organization(self, org_id: int | None) -> Organization | None:
        return self._organizations.get(org_id) if org_id else None

    def known_organizations(self, ids: set[int | None]) -> set[int]:
        return {i for i in ids if i is not None and i in self._organizations}

    def known_sectors(self, codes: list[str]) -> set[str]:
        return {code for code in codes if code in self._sectors}

    def province_codes(self) -> set[str]:
        return self._provinces

    def district_provinces(self, codes: list[str]) -> dict[str, str]:
        return {code: self._districts[code] for code in codes if code in self._districts}

    def commune_districts(self, codes: list[str]) -> dict[str, str]:
        if not codes:
            return {}
        return super().commune_districts(codes)

    def known_currencies(self, codes: set[str]) -> set[str]:
        return {code for code in codes if code in self._currencies}

    def rates(self, currencies: set[str]) -> dict[tuple[str, int], Decimal]:
        return self._rates

    def project_with_identifier(self, identifier: str) -> int | None:
        if identifier not in self._checked:
            return super().project_with_identifier(identifier)
        return self._identifiers.get(identifier)
