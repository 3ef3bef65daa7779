"""Terms of the trade have a short help text beside their field, in English and in Khmer."""

import pytest
from flask_babel import force_locale

from portal.projects.forms import ProjectForm

TERMS = ("lead_national_partner_id", "type_of_assistance", "modality", "on_budget")


@pytest.mark.parametrize("locale", ["en", "km"])
def test_the_project_form_explains_its_terms(app, client, login_as, locale):
    login_as("dp", locale=locale)
    page = client.get("/projects/new").get_data(as_text=True)
    with app.test_request_context(), force_locale(locale):
        form = ProjectForm(meta={"csrf": False})
        for name in TERMS:
            help_text = str(form[name].description)
            assert help_text, f"{name} has no help text"
            assert help_text in page, (locale, name)
            if locale == "km":
                assert any("\u1780" <= ch <= "\u17ff" for ch in help_text), name


TRAJECTORY_HELP = (
    "The value planned by the end of each period, written as 2025-Q1 for a quarter or 2025-S1 "
    "for a semester. Planned values lie between the baseline and the target; the lead reports "
    "against them."
)


@pytest.mark.parametrize("locale", ["en", "km"])
def test_the_commitment_form_explains_the_trajectory(app, client, login_as, locale):
    from flask_babel import gettext

    login_as("cdc", locale=locale)
    page = client.get("/commitments/new").get_data(as_text=True)
    with app.test_request_context(), force_locale(locale):
        expected = gettext(TRAJECTORY_HELP)
    assert expected in page
    assert (expected != TRAJECTORY_HELP) == (locale == "km")
