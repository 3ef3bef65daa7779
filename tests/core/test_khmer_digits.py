"""CDC can show numbers and dates in Khmer digits in the Khmer interface."""

from decimal import Decimal

from portal.projects import services
from tests import factories


def test_cdc_switches_khmer_digits_on_for_the_khmer_interface(client, login_as):
    factories.project(
        title_en="Digits project",
        funding=[services.YearAmount(2024, "disbursement", Decimal("1234.5"), "USD")],
    )
    cdc = login_as("cdc", locale="km")
    page = client.get("/projects/?q=Digits").get_data(as_text=True)
    assert "1,234.50" in page and "១,២៣៤.៥០" not in page  # off by default

    response = client.post("/admin/reference/display", data={"khmer_digits": "y"})
    assert response.status_code == 302
    page = client.get("/projects/?q=Digits").get_data(as_text=True)
    assert "១,២៣៤.៥០" in page and "1,234.50" not in page

    # The English interface keeps Western digits.
    cdc.locale = "en"
    page = client.get("/projects/?q=Digits").get_data(as_text=True)
    assert "1,234.50" in page and "១" not in page

    cdc.locale = "km"
    # Unticked: the browser sends the form without the box (and with its CSRF token).
    client.post("/admin/reference/display", data={"csrf_token": "-"})
    assert "1,234.50" in client.get("/projects/?q=Digits").get_data(as_text=True)
