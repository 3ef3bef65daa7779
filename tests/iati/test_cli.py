"""`flask portal iati import` and `... export` from the command line."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project
from tests.iati.generate import activities_xml


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_dry_run_prints_the_preview_and_writes_nothing(app, tmp_path, rates, ministry):
    path = tmp_path / "two.xml"
    path.write_bytes(activities_xml(2))
    organizations = _count(Organization)
    result = app.test_cli_runner().invoke(
        args=["portal", "iati", "import", str(path), "--dry-run", "--lead-partner", "MEFX"]
    )
    assert result.exit_code == 0, result.output
    assert "new  XM-DAC-46004-BENCH-000000" in result.output
    assert "2 activities: 2 new" in result.output
    assert "Organizations that would be created" in result.output
    assert "Dry run: nothing was written." in result.output
    assert _count(Project) == 0 and _count(Organization) == organizations


def test_an_import_creates_and_lists_organizations(app, tmp_path, rates, ministry):
    path = tmp_path / "two.xml"
    path.write_bytes(activities_xml(2))
    result = app.test_cli_runner().invoke(
        args=["portal", "iati", "import", str(path), "--lead-partner", "MEFX"]
    )
    assert result.exit_code == 0, result.output
    assert "Organizations created" in result.output
    assert "Asian Development Bank" in result.output
    assert _count(Project) == 2


def test_the_real_file_imports_every_activity_or_explains_it(
    app, real_file, tmp_path, rates, ministry
):
    path = tmp_path / "kh.xml"
    path.write_bytes(real_file)
    result = app.test_cli_runner().invoke(
        args=["portal", "iati", "import", str(path), "--lead-partner", "MEFX"]
    )
    assert result.exit_code == 0, result.output
    last = [line for line in result.output.splitlines() if line.startswith("96 activities")][0]
    refused = int(last.split(",")[-1].split()[0])
    assert _count(Project) == 96 - refused
    assert result.output.count("REFUSED") == refused


def test_a_malformed_file_fails_the_batch_and_writes_nothing(app, tmp_path, rates, ministry):
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(activities_xml(2))
    bad.write_bytes(b"<iati-activities version='2.03'>\n<iati-activity>")
    result = app.test_cli_runner().invoke(
        args=["portal", "iati", "import", str(good), str(bad), "--lead-partner", "MEFX"]
    )
    assert result.exit_code == 1
    assert "bad.xml, line" in result.output
    assert _count(Project) == 0


def test_export_writes_a_file_for_one_partner(app, tmp_path, rates, ministry):
    source = tmp_path / "two.xml"
    source.write_bytes(activities_xml(2))
    runner = app.test_cli_runner()
    runner.invoke(args=["portal", "iati", "import", str(source), "--lead-partner", "MEFX"])
    out = tmp_path / "out.xml"
    result = runner.invoke(
        args=["portal", "iati", "export", "--partner", "XM-DAC-46004", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "1 activities written" in result.output
    assert b"XM-DAC-46004-BENCH-000000" in out.read_bytes()
    result = runner.invoke(
        args=["portal", "iati", "export", "--partner", "NOPE", "--out", str(out)]
    )
    assert result.exit_code == 1
