"""A whole install: every imported package declared, bounded and locked; no silent English."""

import ast
import os
import re
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigurationError, TestConfig
from portal.i18n import check_compiled_catalogs

ROOT = Path(__file__).resolve().parents[2]


def _declared(extra: str | None = None) -> dict[str, str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {_name(re.split(r"[<>=!\[;]", spec, maxsplit=1)[0]): spec for spec in specs}


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).strip().lower()


def _locked(lock: str) -> dict[str, str]:
    pins = re.findall(
        r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+) \\$", (ROOT / lock).read_text(), re.M
    )
    return {_name(name): version for name, version in pins}


def _imported_distributions(folders: list[str]) -> set[str]:
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in {"portal", "tests"}:
                        continue
                    found.update(_name(d) for d in distributions.get(top, []))
    return found


def test_every_package_the_portal_imports_is_a_declared_dependency():
    missing = _imported_distributions(["portal", "migrations"]) - set(_declared())
    assert missing == set(), f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_every_package_the_tests_import_is_declared():
    declared = set(_declared()) | set(_declared("dev"))
    # psycopg's binary build comes with the psycopg[binary] requirement.
    missing = _imported_distributions(["tests"]) - declared - {"psycopg-binary"}
    assert missing == set(), f"imported by tests but not declared: {sorted(missing)}"


def test_every_dependency_has_an_upper_bound_on_its_major():
    specs = list(_declared().values()) + list(_declared("dev").values())
    unbounded = [spec for spec in specs if "<" not in spec]
    assert unbounded == []


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_the_lock_files_pin_every_declared_dependency_with_hashes(lock, extra):
    pinned = _locked(lock)
    wanted = set(_declared()) | (set(_declared(extra)) if extra else set())
    assert wanted - set(pinned) == set()
    text = (ROOT / lock).read_text()
    blocks = re.split(r"^(?=[A-Za-z0-9_.-]+(?:\[[^\]]*\])?==)", text, flags=re.M)[1:]
    assert all("--hash=sha256:" in block for block in blocks)


def test_the_installed_versions_are_the_locked_ones():
    from importlib.metadata import PackageNotFoundError, version

    different = {}
    for name, locked in _locked("requirements-dev.lock").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a package for another platform (pywin32, colorama)
        if installed != locked:
            different[name] = (installed, locked)
    assert different == {}, "run `make test` to install the lock file again"


def _catalogs(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "km" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source, compiled = folder / "messages.po", folder / "messages.mo"
    source.write_text('msgid ""\nmsgstr ""\n')
    return source, compiled


def test_a_missing_compiled_catalog_is_refused(tmp_path):
    _catalogs(tmp_path)
    with pytest.raises(ConfigurationError, match="messages.mo is missing.*pybabel compile"):
        check_compiled_catalogs(tmp_path)


def test_a_compiled_catalog_older_than_its_source_is_refused(tmp_path):
    source, compiled = _catalogs(tmp_path)
    compiled.write_bytes(b"")
    os.utime(compiled, (1_000_000, 1_000_000))
    with pytest.raises(ConfigurationError, match="older than its source"):
        check_compiled_catalogs(tmp_path)
    os.utime(compiled, None)
    os.utime(source, (1_000_000, 1_000_000))
    check_compiled_catalogs(tmp_path)


def test_production_refuses_to_start_without_the_compiled_khmer_catalog(tmp_path):
    _catalogs(tmp_path)
    config = TestConfig()
    config.PORTAL_ENV = "production"
    config.BABEL_TRANSLATION_DIRECTORIES = str(tmp_path)
    with pytest.raises(ConfigurationError, match="pybabel compile"):
        create_app(config)
