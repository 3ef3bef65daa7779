"""Sector and location shares keep their cumulative bounds, recomputed on every save."""

from decimal import Decimal

from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.models import SHARE_BASIS, share_bounds
from tests import factories


def test_bounds_follow_on_from_each_other_up_to_the_basis():
    assert share_bounds([Decimal(60), Decimal(25), Decimal(15)]) == [
        (0, 600_000_000),
        (600_000_000, 850_000_000),
        (850_000_000, SHARE_BASIS),
    ]
    assert share_bounds([Decimal(100)]) == [(0, SHARE_BASIS)]


def test_shares_adding_up_to_a_little_less_or_more_than_100_are_scaled_to_the_whole():
    assert share_bounds([Decimal("33.33")] * 3) == [
        (0, 333_333_333),
        (333_333_333, 666_666_667),
        (666_666_667, SHARE_BASIS),
    ]
    assert share_bounds([Decimal("50.01"), Decimal(50)]) == [
        (0, 500_049_995),
        (500_049_995, SHARE_BASIS),
    ]


def _bounds(rows, code) -> list[tuple]:
    return sorted((code(row), row.share_from, row.share_to) for row in rows)


def test_saving_stores_the_bounds_and_an_edit_recomputes_them():
    values = {
        "title_en": "Shared project",
        "reporting_org_id": factories.organization().id,
        "lead_national_partner_id": factories.organization(OrgKind.GOVERNMENT).id,
        "sectors": [
            services.SectorShare("12220", Decimal(70)),
            services.SectorShare("11220", Decimal(30)),
        ],
        "locations": [
            services.LocationShare("12", Decimal(50)),
            services.LocationShare("17", Decimal(50)),
        ],
    }
    project = services.save_project(services.ProjectData(**values), actor=None)
    assert _bounds(project.sectors, lambda s: s.sector_code) == [
        ("11220", 700_000_000, SHARE_BASIS),
        ("12220", 0, 700_000_000),
    ]
    assert _bounds(project.locations, lambda loc: loc.province_code) == [
        ("12", 0, 500_000_000),
        ("17", 500_000_000, SHARE_BASIS),
    ]

    values["sectors"] = [
        services.SectorShare("13020", Decimal(25)),
        services.SectorShare("12220", Decimal(75)),
    ]
    values["locations"] = [services.LocationShare("12", Decimal(100), "1201")]
    services.save_project(services.ProjectData(**values), actor=None, project=project)
    assert _bounds(project.sectors, lambda s: s.sector_code) == [
        ("12220", 250_000_000, SHARE_BASIS),
        ("13020", 0, 250_000_000),
    ]
    assert _bounds(project.locations, lambda loc: loc.district_code) == [("1201", 0, SHARE_BASIS)]
