"""The layers of DESIGN.md, read statically from every module's import statements.

- core (``sde``, ``systems``, ``operators``, ``estimators``, ``device``) imports the core only, and
  ``estimators`` does not import ``sde`` (observers count, estimators estimate);
- shared homes (``neural``, ``ode``, ``fields``, ``metrics``, ``data``) import the core and each
  other, never a method package or the compendium;
- method packages (everything else) import the core and the shared homes, never ``compendium``;
- ``compendium`` is generic over chapters: it imports no method package and no shared home.

``plotting`` and the private helpers (``_seeding``) import nothing of effdyn and may be used by
everyone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from effdyn.compendium.dependencies import imported_names

LIB = Path(__file__).resolve().parents[1] / "lib" / "effdyn"
CORE = {"sde", "systems", "operators", "estimators", "device"}
SHARED = {"neural", "ode", "fields", "metrics", "data"}
BASE = {"plotting", "_seeding", ""}  # "" is the top-level effdyn package itself


def _layer(package: str) -> str:
    if package in CORE:
        return "core"
    if package in SHARED:
        return "shared"
    if package in BASE:
        return "base"
    if package == "compendium":
        return "compendium"
    return "method"


def _module_name(path: Path) -> str:
    rel = path.relative_to(LIB.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _effdyn_imports(path: Path) -> set[str]:
    """The effdyn sub-packages (first component under effdyn) that a module imports."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    names = imported_names(tree, _module_name(path), path.name == "__init__.py")
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "effdyn":
            continue
        found.add(parts[1] if len(parts) > 1 else "")
    return found


def _allowed(source: str, target: str) -> bool:
    source_layer, target_layer = _layer(source), _layer(target)
    if target == source or target_layer == "base":
        return True
    if source == "estimators" and target == "sde":
        return False
    allowed = {
        "base": set(),
        "core": {"core"},
        "shared": {"core", "shared"},
        "method": {"core", "shared", "method"},
        "compendium": {"core"},
    }[source_layer]
    return target_layer in allowed


MODULES = sorted(p for p in LIB.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_has_a_layer():
    packages = {p.relative_to(LIB).parts[0] for p in MODULES if p.parent != LIB}
    assert packages >= (CORE - {"device"}) | {"compendium"}
    assert not packages & {"cg", "utils", "misc", "helpers"}, "name packages by concern"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIB)))
def test_imports_respect_the_layers(path: Path):
    rel = path.relative_to(LIB)
    source = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else "_seeding"
    if path.parent == LIB:
        source = path.stem if path.stem != "__init__" else ""
    bad = sorted(t for t in _effdyn_imports(path) if not _allowed(source, t))
    assert not bad, f"effdyn.{source} ({rel}) may not import effdyn.{', effdyn.'.join(bad)}"


def test_the_check_catches_a_violation(tmp_path: Path):
    module = tmp_path / "bad.py"
    module.write_text("from effdyn.compendium import claim\nimport effdyn.cvs.model\n")
    tree = ast.parse(module.read_text())
    assert {n.split(".")[1] for n in imported_names(tree) if n.count(".")} == {"compendium", "cvs"}
    assert not _allowed("sde", "cvs")
    assert not _allowed("cvs", "compendium")
    assert not _allowed("compendium", "koopman")
    assert not _allowed("estimators", "sde")
    assert _allowed("koopman", "neural") and _allowed("ode", "sde")
