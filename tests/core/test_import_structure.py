"""The shape of the code's imports: no module imports itself round-about.

Features may use each other both ways (the project page shows its round's checks; the round
reads projects), but no chain of imports, at module level or inside a function, leads from a
module back to itself. The other rules (shared modules import no feature, no circle inside a
feature) are import-linter contracts in pyproject.toml, run by `make lint`.
"""

from __future__ import annotations

import grimp


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other round-about (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_round_about():
    graph = grimp.build_graph("portal", cache_dir=None)
    circles = _circles(graph)
    described = [
        " -> ".join(group)
        + ": "
        + "; ".join(
            f"{a} imports {b} (line {detail['line_number']})"
            for a in group
            for b in group
            if b in graph.find_modules_directly_imported_by(a)
            for detail in graph.get_import_details(importer=a, imported=b)[:1]
        )
        for group in circles
    ]
    assert circles == [], "\n".join(described)


def test_the_check_finds_a_circle(tmp_path, monkeypatch):
    """The check itself: two modules importing each other inside functions are a circle."""
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circled import b\n")
    (package / "b.py").write_text("from circled import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circled", cache_dir=None)
    assert _circles(graph) == [["circled.a", "circled.b"]]


def test_no_views_module_is_imported_but_by_create_app():
    """Pages are put together in `create_app` (portal/__init__.py) alone: no other module
    imports a views module (one whose name ends in `views`)."""
    graph = grimp.build_graph("portal", cache_dir=None)
    found = sorted(
        (importer, views)
        for views in graph.modules
        if views.rsplit(".", 1)[-1].endswith("views")
        for importer in graph.find_modules_that_directly_import(views)
        if importer != "portal"
    )
    assert found == []
