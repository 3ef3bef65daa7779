"""Fixtures of the map's tests: people, placed projects and boundary files."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories

PROVINCES_FILE = ("geo", "khm-adm1-provinces.geojson")


@pytest.fixture
def cdc():
    return factories.user(role="cdc")


@pytest.fixture
def partner():
    return factories.organization(OrgKind.BILATERAL)


@pytest.fixture
def place(partner, cdc):
    """Save a project of `partner` with (province, share) locations, published unless told."""

    def _place(
        shares=(), *, commitment="1000", disbursed=None, published=True, year=2023, nationwide=True
    ):
        locations = [
            services.LocationShare(share[0], Decimal(share[1]), *share[2:]) for share in shares
        ]
        funding = []
        if disbursed is not None:
            funding.append(services.YearAmount(year, "disbursement", Decimal(disbursed), "USD"))
        project = factories.project(
            reporting=partner,
            nationwide=nationwide and not locations,
            locations=locations,
            commitment_amount=Decimal(commitment),
            commitment_date=date(year, 1, 15),
            funding=funding,
        )
        if published:
            services.set_published(project, True, actor=cdc)
        return project

    return _place


@pytest.fixture
def boundaries_file(shared_data):
    """The real province boundaries (geoBoundaries), from the shared data folder."""
    return shared_data.joinpath(*PROVINCES_FILE)


def square(lon: float, lat: float, size: float = 0.2) -> dict:
    """A small square polygon around (lon, lat)."""
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def feature_collection(*features: tuple[dict, dict | None]) -> dict:
    """A FeatureCollection of (properties, geometry) pairs."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": properties, "geometry": geometry}
            for properties, geometry in features
        ],
    }


@pytest.fixture
def write_geojson(tmp_path):
    """Write a GeoJSON dict to a fresh file and return its path (as text)."""
    counter = iter(range(1000))

    def _write(data: dict) -> str:
        path = tmp_path / f"boundaries-{next(counter)}.geojson"
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    return _write
