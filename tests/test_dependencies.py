"""Dependency keys: which edits change a chapter's key, read on a fixture package and chapter."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from effdyn.compendium import dependencies as deps

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A fixture checkout: ``chapters/alpha.md`` importing ``lib/fixpkg``."""
    (tmp_path / "chapters").mkdir()
    shutil.copy(FIXTURES / "chapters" / "alpha.md", tmp_path / "chapters" / "alpha.md")
    shutil.copytree(FIXTURES / "fixpkg", tmp_path / "lib" / "fixpkg")
    return tmp_path


def key(checkout: Path, params: dict | None = None) -> deps.DependencyKey:
    return deps.dependency_key(checkout / "chapters" / "alpha.md", params or {"x": 2.0})


def edit(path: Path, line: str = "# edited\n") -> None:
    path.write_text(path.read_text() + line)


def test_the_key_follows_the_import_graph_transitively(checkout):
    modules = set(key(checkout).parts["modules"])
    # alpha imports beta at the top and delta inside a function; nobody imports gamma
    assert {"fixpkg/__init__.py", "fixpkg/alpha.py", "fixpkg/beta.py", "fixpkg/delta.py"} <= modules
    assert "fixpkg/gamma.py" not in modules
    # the chapter imports effdyn.compendium: its package chain and what claims imports
    assert {"effdyn/__init__.py", "effdyn/compendium/claims.py", "effdyn/device.py"} <= modules
    assert "effdyn/compendium/book.py" not in modules


def test_editing_an_imported_module_changes_the_key_and_names_it(checkout):
    before = key(checkout)
    edit(checkout / "lib" / "fixpkg" / "beta.py", '"""Only the docstring changed."""\n')
    after = key(checkout)
    assert after.value != before.value
    assert deps.changed_parts(before.parts, after.parts) == ["fixpkg/beta.py"]
    edit(checkout / "lib" / "fixpkg" / "delta.py")  # imported lazily: still counts
    assert deps.changed_parts(after.parts, key(checkout).parts) == ["fixpkg/delta.py"]


def test_a_data_file_of_an_imported_package_counts(checkout):
    before = key(checkout)
    assert "fixpkg/table.txt" in before.parts["modules"]
    edit(checkout / "lib" / "fixpkg" / "table.txt", "4 5 6\n")
    assert deps.changed_parts(before.parts, key(checkout).parts) == ["fixpkg/table.txt"]


def test_editing_a_module_the_chapter_does_not_import_leaves_the_key(checkout):
    before = key(checkout)
    edit(checkout / "lib" / "fixpkg" / "gamma.py")
    assert key(checkout).value == before.value


def test_a_new_import_adds_the_module(checkout):
    before = key(checkout)
    edit(checkout / "lib" / "fixpkg" / "beta.py", "from fixpkg import gamma  # noqa\n")
    changes = deps.changed_parts(before.parts, key(checkout).parts)
    assert changes == ["fixpkg/beta.py", "+fixpkg/gamma.py", "numpy absent -> " + _numpy()]


def _numpy() -> str:
    from importlib.metadata import version

    return version("numpy")


def test_parameters_chapter_and_versions_change_the_key(checkout, monkeypatch):
    base = key(checkout)
    assert deps.changed_parts(base.parts, key(checkout, {"x": 3.0}).parts) == ["parameters"]
    edit(checkout / "chapters" / "alpha.md", "\nA sentence of text.\n")
    assert deps.changed_parts(base.parts, key(checkout).parts) == ["chapter"]
    base = key(checkout)
    real_version = deps.metadata.version
    monkeypatch.setattr(
        deps.metadata, "version", lambda d: "0.0.1" if d == "torch" else real_version(d)
    )
    upgraded = key(checkout)
    assert upgraded.value != base.value
    assert [c for c in deps.changed_parts(base.parts, upgraded.parts) if "torch" in c] == [
        f"torch {base.parts['packages']['torch']} -> 0.0.1"
    ]
    monkeypatch.setattr(deps.platform, "python_version", lambda: "3.99.0")
    assert deps.changed_parts(upgraded.parts, key(checkout).parts)[-1].endswith("-> 3.99.0")


def test_source_parts_ignore_the_environment(checkout, monkeypatch):
    base = key(checkout)
    monkeypatch.setattr(deps.platform, "python_version", lambda: "3.99.0")
    other_python = key(checkout)
    assert other_python.value != base.value
    assert deps.source_parts_match(base.parts, other_python.parts)
    edit(checkout / "lib" / "fixpkg" / "beta.py")
    assert not deps.source_parts_match(base.parts, key(checkout).parts)
    assert not deps.source_parts_match(None, base.parts)


def test_imported_names_resolves_relative_and_from_imports():
    tree = ast.parse("from . import a\nfrom ..b import c\nimport x.y\nfrom z import *\n")
    names = deps.imported_names(tree, "pkg.sub.mod")
    assert names == {"pkg.sub", "pkg.sub.a", "pkg.b", "pkg.b.c", "x.y", "z"}
    assert deps.imported_names(ast.parse("from . import a"), "pkg.sub", is_package=True) == {
        "pkg.sub",
        "pkg.sub.a",
    }


def test_magics_do_not_break_the_chapter_parse(checkout):
    code = deps.chapter_code(checkout / "chapters" / "alpha.md")
    assert "%matplotlib" not in code and "from fixpkg.alpha import double" in code
    ast.parse(code)
