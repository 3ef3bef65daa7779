"""In a real browser: a partner typing a project it has registered already is warned, keeps
what it typed, and registers it all the same with the warning's button."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def _fill(page, title: str) -> None:
    page.goto("/projects/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Lead national partner").select_option(label="MOH — Ministry of Health")
    page.get_by_label("Planned start").fill("2023-01-01")
    page.get_by_label("Planned end").fill("2026-12-31")
    page.locator('[name="sectors-0-sector_code"]').select_option("12220")
    page.locator('[name="sectors-0-percentage"]').fill("100")
    page.get_by_label("Nationwide").check()


def test_a_project_typed_twice_is_warned_of_then_registered_when_confirmed(page, backend):
    log_in(page, "eu@demo.example")
    title = f"Commune health centre midwife training ({backend})"
    _fill(page, title)
    page.get_by_role("button", name="Save project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    first = page.url

    _fill(page, title.replace("midwife training", "midwife-training programme"))
    page.get_by_role("button", name="Save project").click()
    warning = page.locator("#duplicates")
    assert "This project may be registered already." in warning.inner_text()
    assert warning.locator(f'a[href="{urlsplit(first).path}"]').count() == 1
    assert page.get_by_label("Planned end").input_value() == "2026-12-31"  # nothing lost

    # The button above the form submits the form below it (no script needed).
    warning.get_by_role("button", name="Register it anyway, it is a different project").click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert page.url != first
    assert "The project has been registered." in page.locator("main").inner_text()
