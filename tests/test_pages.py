"""What the build writes into the book's pages: rerun and cite boxes, labels, the chapter table,
the scorecard figure, broken-page warnings and the script fix for Sphinx."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from effdyn.compendium.book import broken_page_warnings, label_claims_table
from effdyn.compendium.claims import Claim
from effdyn.compendium.pages import (
    changed_parameters,
    chapter_table,
    cite_box,
    compendium_bibtex,
    rerun_box,
)
from effdyn.compendium.runs import RunRecord
from effdyn.compendium.selection import Shown

ROOT = Path(__file__).resolve().parents[1]


def _shown(tmp_path: Path, status: str = "reused", slug: str = "cbo") -> Shown:
    provenance = {
        "slug": slug,
        "profile": "ci",
        "parameters": {"n": 5, "seed": 0},
        "git_commit": "0123456789abcdef",
        "started": "2026-12-04 01:00 UTC",
        "device_description": "cpu (x86_64)",
        "wall_time_s": 42.0,
        "key": "k" * 64,
        "key_parts": {"modules": {"effdyn/a.py": "h"}},
    }
    claims = [Claim(name="c", value=1.0, reference=1.0, kind="exact", source="s", passed=True)]
    return Shown(RunRecord(tmp_path, provenance, claims), status)


def test_rerun_box_names_the_command_and_the_changed_parameters(tmp_path):
    box = rerun_box(_shown(tmp_path), {"n": 10, "seed": 0})
    assert "`.venv/bin/effdyn run cbo`" in box
    assert "`n=5`" in box and "seed=0" not in box
    assert "commit `0123456789ab`" in box and "42 s" in box and "current" in box
    assert changed_parameters({"n": 5, "seed": 0}, {"n": 5, "seed": 0}) == {}
    assert "stale" in rerun_box(_shown(tmp_path, "stale"), {})


def test_cite_box_holds_the_papers_bibtex_and_the_compendiums(tmp_path):
    box = cite_box(ROOT, _shown(tmp_path))
    assert box.startswith("````{admonition} Cite this chapter") and box.endswith("````")
    assert "{cite:p}`cbo`" in box and "@misc{cbo," in box  # the entry of book/references.bib
    assert "commit 0123456789ab" in box
    entry = compendium_bibtex(ROOT, "cbo", "0123456789abcdef", "2026-12-04")
    assert "version = {" in entry and "chapter cbo" in entry


def test_claims_label_goes_before_the_claims_table_cell(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("show_claims()"),
            nbformat.v4.new_markdown_cell("closing words"),
        ]
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    label_claims_table(path, "cbo")
    label_claims_table(path, "cbo")  # idempotent
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    assert sources[2].startswith("(claims-cbo)=") and sources[3] == "show_claims()"
    assert sum(s.startswith("(claims-cbo)=") for s in sources) == 1


def test_chapter_table_lists_written_chapters_and_counts_planned(tmp_path):
    class Chapter:
        title, reproducibility_class, part = "CBO | paper", "A", "II"

    parts = {"II": {"chapters": ["cbo", "planned-one"]}}
    table = chapter_table(parts, {"cbo": _shown(tmp_path)}, {"cbo": Chapter()})
    assert "{doc}`CBO \\| paper <chapters/cbo>`" in table and "| 1/1 |" in table
    assert "1 further papers" in table


@pytest.mark.parametrize(
    ("line", "broken"),
    [
        ("x.md:3: WARNING: undefined label: 'claims-x'", True),
        ('\x1b[91mx.ipynb:7: WARNING: could not find bibtex key "y"\x1b[39;49;00m', True),
        ("x.md: WARNING: image file not readable: a.png", True),
        ("WARNING: unsupported theme option 'x' given", False),
        ("reading sources... [100%] intro", False),
    ],
)
def test_broken_page_warnings(line, broken):
    assert bool(broken_page_warnings(line)) is broken


def test_repeated_inline_scripts_are_dropped():
    from sphinx.builders.html._assets import _JavaScript

    from effdyn.compendium.sphinx_fixes import drop_repeated_scripts

    scripts = [
        _JavaScript("a.js"),
        _JavaScript(None, body="const X = 1"),
        _JavaScript("", body="const X = 1"),
        _JavaScript("a.js"),
        _JavaScript("b.js", **{"async": "async"}),
    ]
    expected = [scripts[0], scripts[1], scripts[4]]
    context = {"script_files": scripts}
    drop_repeated_scripts(None, "p", "t", context, None)
    # the same list, changed in place: Sphinx's MathJax handler adds to it afterwards
    assert context["script_files"] is scripts and scripts == expected
