"""What a chapter run depends on, and the key that decides whether a kept run may be reused.

The key of a run hashes everything its results can depend on:

* the chapter source and the parameters of the run;
* the source of every module of the library that the chapter imports, transitively;
* the versions of the third-party distributions that the chapter and those modules import;
* the Python version.

The import graph is read **statically**, with :mod:`ast`, from the chapter's code cells and the
library's sources. Static reading was chosen over recording ``sys.modules`` at the end of a run
because the key must be computable *without* running the chapter (to decide whether to run it, to
tell a reader whether a committed run is stale, and in a test); and because it over-approximates
in the safe direction: every ``import`` statement counts, including those inside functions and
branches that a run did not reach, so a change can cause a needless rerun but never a missed one.
Its one blind spot is a module imported by a computed name (``importlib.import_module(name)``);
the library does not do that. Every byte of a module counts, docstrings and comments included,
and so do the data files (a style file, a table) that sit in the folder of an imported package.
"""

from __future__ import annotations

import ast
import json
import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from effdyn.compendium.provenance import file_hash, parameters_hash, sha256_bytes

KEY_VERSION = 1


def _strip_magics(source: str) -> str:
    """A code cell as plain Python: IPython magics and shell escapes become blank lines."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def imported_names(tree: ast.AST, module: str = "", is_package: bool = False) -> set[str]:
    """Every absolute module name that an AST imports, anywhere in it.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a submodule; names that
    are not modules are dropped later). Relative imports are resolved against ``module``.
    """
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                if node.level - 1 > len(parts):
                    continue
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            if not base:
                continue
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def chapter_code(path: Path) -> str:
    """The code cells of a jupytext chapter, joined, magics removed."""
    import jupytext

    notebook = jupytext.read(path)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    return "\n\n".join(_strip_magics(s) for s in cells)


@dataclass
class ImportGraph:
    """The first-party modules reachable from a set of imports.

    Parameters
    ----------
    packages : dict
        First-party top-level package name -> its source folder (the one holding
        ``__init__.py``), e.g. ``{"effdyn": Path("lib/effdyn")}``.
    """

    packages: dict[str, Path]
    _parsed: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def module_file(self, name: str) -> Path | None:
        """The source file of a first-party module name, or ``None`` if it is not one."""
        top, *rel = name.split(".")
        if top not in self.packages:
            return None
        base = self.packages[top].joinpath(*rel)
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
        if rel and base.with_suffix(".py").is_file():
            return base.with_suffix(".py")
        return None

    def _imports_of(self, name: str, path: Path) -> set[str]:
        if name not in self._parsed:
            tree = ast.parse(path.read_bytes(), filename=str(path))
            self._parsed[name] = imported_names(tree, name, path.name == "__init__.py")
        return self._parsed[name]

    def closure(self, roots: Iterable[str]) -> tuple[dict[str, Path], set[str]]:
        """First-party modules reachable from ``roots`` (with the packages above each), and the
        top-level names of every other module imported on the way."""
        modules: dict[str, Path] = {}
        external: set[str] = set()
        todo = list(roots)
        while todo:
            name = todo.pop()
            top = name.partition(".")[0]
            if top not in self.packages:
                if top:
                    external.add(top)
                continue
            if name in modules:
                continue
            path = self.module_file(name)
            if path is None:  # an attribute imported from a module, not a module itself
                continue
            modules[name] = path
            parts = name.split(".")
            todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
            todo.extend(self._imports_of(name, path))
        return modules, external


def first_party_packages(root: Path | None = None) -> dict[str, Path]:
    """The packages whose sources a key follows: ``effdyn`` itself and every package in the
    checkout's ``lib/`` folder (tests use that to give a fixture checkout its own package)."""
    import effdyn

    packages = {"effdyn": Path(effdyn.__file__).resolve().parent}
    lib = (root / "lib") if root is not None else None
    if lib is not None and lib.is_dir():
        for folder in sorted(lib.iterdir()):
            if (folder / "__init__.py").is_file():
                packages.setdefault(folder.name, folder.resolve())
    return packages


@cache
def _distributions_of_top_level() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in metadata.packages_distributions().items()}


def distribution_versions(top_level_names: Iterable[str]) -> dict[str, str]:
    """``distribution -> version`` for the third-party top-level modules named (standard-library
    modules are left out: the Python version covers them)."""
    stdlib = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
    dists = _distributions_of_top_level()
    versions: dict[str, str] = {}
    for name in sorted(set(top_level_names)):
        if name in stdlib or name == "__future__":
            continue
        for dist in dists.get(name, ()):
            try:
                versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:  # pragma: no cover - broken metadata
                versions[dist] = "unknown"
        if name not in dists:
            versions[f"(module {name})"] = "not installed"
    return versions


def package_data_files(folder: Path) -> list[Path]:
    """The files of a package folder that are not Python sources (not recursive)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix not in (".py", ".pyc") and not p.name.startswith(".")
    )


@dataclass(frozen=True)
class DependencyKey:
    """A run's key and the parts it hashes.

    Attributes
    ----------
    parts : dict
        ``chapter`` (hash), ``parameters`` (hash), ``modules`` (``path -> hash`` of every
        first-party module, path relative to the package's parent), ``packages``
        (``distribution -> version``), ``python`` (version), ``key_version``.
    """

    parts: dict[str, Any]

    @property
    def value(self) -> str:
        return sha256_bytes(json.dumps(self.parts, sort_keys=True).encode())

    @property
    def short(self) -> str:
        return self.value[:12]


def dependency_key(
    chapter_path: Path,
    params: dict[str, Any],
    packages: dict[str, Path] | None = None,
    digest: Callable[[Path], str] | None = None,
) -> DependencyKey:
    """The dependency key of running ``chapter_path`` with ``params``.

    Parameters
    ----------
    chapter_path : Path
        The chapter source (jupytext markdown), ``<root>/chapters/<slug>.md``.
    params : dict
        The full parameter set of the run.
    packages : dict, optional
        The first-party packages followed (default :func:`first_party_packages` of the
        chapter's checkout).
    digest : callable, optional
        How a file is hashed (default :func:`file_hash`).
    """
    digest = digest or file_hash
    if packages is None:
        packages = first_party_packages(Path(chapter_path).resolve().parent.parent)
    tree = ast.parse(chapter_code(chapter_path), filename=str(chapter_path))
    modules, external = ImportGraph(packages).closure(imported_names(tree))
    module_hashes = {}
    for name, path in sorted(modules.items(), key=lambda item: str(item[1])):
        base = packages[name.partition(".")[0]].parent
        module_hashes[path.relative_to(base).as_posix()] = digest(path)
        if path.name == "__init__.py":  # a package: its data files count too (styles, tables)
            for data in package_data_files(path.parent):
                module_hashes[data.relative_to(base).as_posix()] = digest(data)
    parts = {
        "key_version": KEY_VERSION,
        "chapter": digest(chapter_path),
        "parameters": parameters_hash(params),
        "modules": dict(sorted(module_hashes.items())),
        "packages": distribution_versions(external),
        "python": platform.python_version(),
    }
    return DependencyKey(parts)


#: Parts of a key that the repository controls (a commit changes them); the others come from the
#: environment the run was made in.
SOURCE_PARTS = ("key_version", "chapter", "parameters", "modules")


def changed_parts(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What differs between two key parts, in words (empty when the keys are equal).

    Examples: ``chapter``, ``parameters``, ``effdyn/sde/simulate.py``, ``+effdyn/ode/rk.py``
    (newly imported), ``-effdyn/old.py`` (no longer imported), ``numpy 1.26.4 -> 2.1.0``,
    ``python 3.11.7 -> 3.12.1``.
    """
    if not old:
        return ["no earlier key"]
    out: list[str] = []
    if old.get("key_version") != new.get("key_version"):
        out.append("key format")
    for name in ("chapter", "parameters"):
        if old.get(name) != new.get(name):
            out.append(name)
    old_mod, new_mod = old.get("modules", {}), new.get("modules", {})
    for path in sorted(set(old_mod) | set(new_mod)):
        if path not in old_mod:
            out.append(f"+{path}")
        elif path not in new_mod:
            out.append(f"-{path}")
        elif old_mod[path] != new_mod[path]:
            out.append(path)
    old_pkg, new_pkg = old.get("packages", {}), new.get("packages", {})
    for dist in sorted(set(old_pkg) | set(new_pkg)):
        if old_pkg.get(dist) != new_pkg.get(dist):
            out.append(f"{dist} {old_pkg.get(dist, 'absent')} -> {new_pkg.get(dist, 'absent')}")
    if old.get("python") != new.get("python"):
        out.append(f"python {old.get('python')} -> {new.get('python')}")
    return out


def source_parts_match(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether the repository-controlled parts of two keys agree."""
    return bool(old) and all(old.get(k) == new.get(k) for k in SOURCE_PARTS)
