"""Chapters: finding them, reading their metadata, profiles and parameters, validating overrides.

A chapter is one jupytext MyST-markdown notebook, ``chapters/<slug>.md``. Its front matter holds
an ``effdyn`` mapping (title, part, class, profiles) and its ``parameters``-tagged cell holds the
defaults, which are the ``ci`` profile. Everything about a chapter is in that one file.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

PROFILES = ("smoke", "ci", "paper")
PARTS = ("I", "II", "III", "IV")


class CompendiumError(ValueError):
    """A user-facing error of the compendium (bad chapter, profile, parameter or value)."""


def repo_root() -> Path:
    """The root of the effdyn checkout.

    ``EFFDYN_ROOT`` wins; otherwise the nearest parent of the working directory holding
    ``chapters/`` and ``pyproject.toml``; otherwise the checkout this package was installed from.
    """
    env = os.environ.get("EFFDYN_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "chapters").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    return Path(__file__).resolve().parents[3]


def chapters_dir(root: Path | None = None) -> Path:
    """The folder of chapter sources."""
    return (root or repo_root()) / "chapters"


def _literal_assignments(source: str) -> dict[str, Any]:
    """Names assigned literal values in a parameters cell, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise CompendiumError(f"the parameters cell is not valid Python: {err}") from err
    lines = source.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and ("'" in tok.string or '"' in tok.string):
            line = lines[tok.start[0] - 1]
            if line[: tok.start[1]].strip():  # a trailing comment after code
                # papermill's parameter parser cannot read such a line and drops the parameter
                raise CompendiumError(
                    f"parameters cell line {tok.start[0]}: a quote in a trailing comment "
                    f"({line.strip()!r}) stops papermill from reading the parameter; reword it"
                )
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            values[target.id] = ast.literal_eval(value)
        except ValueError as err:
            raise CompendiumError(
                f"parameter {target.id!r} must have a literal default (number, string, bool, "
                "list, dict or None)"
            ) from err
    return values


def type_name(value: Any) -> str:
    """The name of the type a parameter with this default accepts."""
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float):
        return "float"
    return type(value).__name__


def coerce(name: str, value: Any, default: Any) -> Any:
    """Check ``value`` against the type of ``default`` and return it (ints widened to float).

    Raises
    ------
    CompendiumError
        If the value has the wrong type for parameter ``name``.
    """
    if default is None:
        return value
    expected = type_name(default)
    ok: bool
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, (list, tuple))
        if ok:
            value = type(default)(value)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise CompendiumError(
            f"parameter {name!r} expects {expected}, got {value!r} ({type_name(value)})"
        )
    return value


def parse_cli_value(text: str) -> Any:
    """Read a ``-p NAME VALUE`` value: a Python literal if it is one, else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


@dataclass
class Chapter:
    """One chapter source and what its front matter and parameters cell declare."""

    slug: str
    path: Path
    meta: dict[str, Any] = field(repr=False)
    defaults: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.slug))

    @property
    def part(self) -> str:
        return str(self.meta.get("part", ""))

    @property
    def reproducibility_class(self) -> str:
        return str(self.meta.get("class", ""))

    @property
    def profiles(self) -> dict[str, dict[str, Any]]:
        """Profile name -> parameter overrides (``ci`` is the parameters cell's defaults)."""
        raw = self.meta.get("profiles") or {}
        return {name: dict(raw.get(name) or {}) for name in PROFILES} | {
            name: dict(value or {}) for name, value in raw.items() if name not in PROFILES
        }

    def parameters(self, profile: str = "ci", overrides: dict[str, Any] | None = None) -> dict:
        """The full parameter set of a profile with ``overrides`` applied, validated.

        Raises
        ------
        CompendiumError
            For an unknown profile, an unknown parameter name or a value of the wrong type.
        """
        profiles = self.profiles
        if profile not in profiles:
            raise CompendiumError(
                f"chapter {self.slug!r} has no profile {profile!r}; profiles: {', '.join(profiles)}"
            )
        params = dict(self.defaults)
        for source, values in (
            (f"profile {profile!r}", profiles[profile]),
            ("the command line", overrides or {}),
        ):
            for name, value in values.items():
                if name not in self.defaults:
                    raise CompendiumError(
                        f"chapter {self.slug!r} has no parameter {name!r} (from {source}); "
                        f"parameters: {', '.join(self.defaults) or '(none)'}"
                    )
                params[name] = coerce(name, value, self.defaults[name])
        return params

    @cached_property
    def source_bytes(self) -> bytes:
        return self.path.read_bytes()


def read_notebook(path: Path):  # -> nbformat.NotebookNode
    """Read a jupytext markdown chapter as a notebook."""
    import jupytext

    return jupytext.read(path)


def parameters_cell_source(notebook) -> str | None:
    """The source of the cell tagged ``parameters``, or ``None``."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return cell.source
    return None


def load_chapter(path: Path) -> Chapter:
    """Read one chapter source.

    Raises
    ------
    CompendiumError
        If the chapter has no ``effdyn`` front matter or no parameters cell.
    """
    notebook = read_notebook(path)
    slug = path.stem
    meta = notebook.metadata.get("effdyn")
    if not isinstance(meta, dict):
        raise CompendiumError(f"chapter {slug!r} has no 'effdyn' mapping in its front matter")
    source = parameters_cell_source(notebook)
    if source is None:
        raise CompendiumError(f"chapter {slug!r} has no code cell tagged 'parameters'")
    return Chapter(slug=slug, path=path, meta=meta, defaults=_literal_assignments(source))


def chapter_paths(root: Path | None = None) -> list[Path]:
    """Every chapter source, sorted by slug."""
    folder = chapters_dir(root)
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith(("_", ".")))


def known_slugs(root: Path | None = None) -> list[str]:
    return [p.stem for p in chapter_paths(root)]


def find_chapter(slug: str, root: Path | None = None) -> Chapter:
    """Load chapter ``slug``.

    Raises
    ------
    CompendiumError
        If there is no such chapter (the message lists the known ones).
    """
    path = chapters_dir(root) / f"{slug}.md"
    if not path.is_file():
        known = ", ".join(known_slugs(root)) or "(none)"
        raise CompendiumError(f"unknown chapter {slug!r}; known chapters: {known}")
    return load_chapter(path)


def all_chapters(root: Path | None = None) -> list[Chapter]:
    return [load_chapter(p) for p in chapter_paths(root)]
