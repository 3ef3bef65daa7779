"""Reference data comes from its packaged sources, complete."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.money.models import Currency
from portal.reference.models import Commune, District, Province, Sector, SectorCategory
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_gazetteer_has_every_province_with_khmer_names():
    assert _count(Province) == 25
    phnom_penh = db.session.get(Province, "12")
    assert phnom_penh.name_en == "Phnom Penh"
    assert phnom_penh.name_km == "រាជធានីភ្នំពេញ"
    assert _count(District) >= 200
    assert _count(Commune) >= 1600


def test_sectors_are_the_dac_codes_with_categories():
    assert _count(SectorCategory) >= 40
    assert _count(Sector, ~Sector.withdrawn) >= 280
    basic_health = db.session.get(Sector, "12220")
    assert basic_health.name_en == "Basic health care"
    assert basic_health.category.name_en == "Basic Health"
    assert db.session.get(Sector, "15120").withdrawn is True


def test_currencies_have_khmer_names():
    riel = db.session.get(Currency, "KHR")
    assert riel.active
    assert "រៀល" in riel.name_km


def test_pentagonal_strategy_is_the_current_framework():
    framework = db.session.scalar(select(StrategyFramework).where(StrategyFramework.is_current))
    assert framework.code == "PS-I"
    assert len(framework.pillars) == 5
    assert (
        _count(
            StrategyNode,
            StrategyNode.framework_id == framework.id,
            StrategyNode.kind == NodeKind.PRIORITY,
        )
        == 25
    )


def test_loading_twice_adds_nothing():
    from portal.reference.seed import seed_reference_data

    assert set(seed_reference_data().values()) == {0}


def test_cdc_adds_a_framework_and_its_priorities(client, login_as):
    login_as("cdc")
    response = client.post(
        "/admin/strategy/",
        data={
            "code": "PS-II",
            "name_en": "Pentagonal Strategy – Phase II",
            "name_km": "",
            "start_year": "2029",
            "end_year": "2033",
            "is_current": "y",
        },
    )
    assert response.status_code == 302
    framework = db.session.scalar(
        select(StrategyFramework).where(StrategyFramework.code == "PS-II")
    )
    assert framework.is_current
    assert _count(StrategyFramework, StrategyFramework.is_current) == 1
    client.post(
        f"/admin/strategy/{framework.id}",
        data={
            "parent_id": "0",
            "code": "A",
            "name_en": "Pillar A",
            "name_km": "",
            "description": "",
        },
    )
    pillar = db.session.scalar(
        select(StrategyNode).where(
            StrategyNode.framework_id == framework.id, StrategyNode.code == "A"
        )
    )
    client.post(
        f"/admin/strategy/{framework.id}",
        data={
            "parent_id": str(pillar.id),
            "code": "A.1",
            "name_en": "Priority A.1",
            "name_km": "",
            "description": "",
        },
    )
    page = client.get(f"/admin/strategy/{framework.id}").get_data(as_text=True)
    assert "Pillar A" in page and "Priority A.1" in page
    duplicate = client.post(
        f"/admin/strategy/{framework.id}",
        data={"parent_id": "0", "code": "A", "name_en": "Again", "name_km": "", "description": ""},
    )
    assert "Another entry of this framework uses this code." in duplicate.get_data(as_text=True)


def test_framework_years_must_be_in_order(client, login_as):
    login_as("cdc")
    response = client.post(
        "/admin/strategy/",
        data={"code": "BAD", "name_en": "Backwards", "start_year": "2030", "end_year": "2020"},
    )
    assert response.status_code == 400
    assert "The end year is before the start year." in response.get_data(as_text=True)
