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


def _latin_words(text: str) -> list[str]:
    import re

    return re.findall(r"[A-Za-z]{2,}", text or "")


def test_every_sector_category_and_priority_has_a_khmer_name():
    """What Khmer readers see as labels: DAC codes and categories, pillars and priorities."""
    for model in (SectorCategory, Sector):
        missing = db.session.scalars(select(model.code).where(model.name_km.is_(None))).all()
        assert missing == [], model.__name__
        english = [
            (obj.code, obj.name_km)
            for obj in db.session.scalars(select(model))
            if _latin_words(obj.name_km)
        ]
        assert english == [], model.__name__
    assert db.session.get(Sector, "12220").name_km == "ការថែទាំសុខភាពមូលដ្ឋាន"
    nodes = db.session.scalars(select(StrategyNode)).all()
    assert nodes and all(node.name_km and not _latin_words(node.name_km) for node in nodes)


def test_shipped_khmer_names_are_unofficial_until_cdc_confirms_them(client, login_as):
    from portal.reference.seed import seed_reference_data

    login_as("cdc")
    listing = client.get("/admin/reference/sectors?q=12220").get_data(as_text=True)
    assert "unofficial" in listing
    response = client.post(
        "/admin/reference/sectors/12220",
        data={"name_km": "សេវាថែទាំសុខភាពបឋម", "name_km_confirmed": "y"},
    )
    assert response.status_code == 302
    sector = db.session.get(Sector, "12220")
    assert (sector.name_km, sector.name_km_confirmed) == ("សេវាថែទាំសុខភាពបឋម", True)
    row = (
        client.get("/admin/reference/sectors?q=12220").get_data(as_text=True).split("12220</a>")[1]
    )
    assert "unofficial" not in row.split("</tr>")[0].split("</td>")[1]  # its own name cell
    # The category has its own page; loading the reference data again keeps CDC's names.
    assert (
        client.post(
            "/admin/reference/sectors/categories/122", data={"name_km": "សុខភាពបឋម"}
        ).status_code
        == 302
    )
    seed_reference_data()
    assert db.session.get(Sector, "12220").name_km == "សេវាថែទាំសុខភាពបឋម"
    category = db.session.get(SectorCategory, "122")
    assert (category.name_km, category.name_km_confirmed) == ("សុខភាពបឋម", False)
