"""The map: money by province as a folium choropleth, an SVG for reports, and a province page.

Figures come from portal.aggregates; boundaries from the GeoJSON file named by
PORTAL_BOUNDARIES_FILE (or circles at the provincial seats without one).
"""
