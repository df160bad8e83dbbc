"""The runs committed under book/stored/ are current: a stale result is never shown as current.

A developer who changes a chapter or a library module that a chapter imports re-executes that
chapter (`effdyn build --profile ci`, which keeps the fresh run under book/stored/<slug>/ci/) and
commits the refreshed run with the change. This test fails when a committed `ci` run's key no
longer matches the sources it was made from. Only the parts of the key that the repository
controls are compared (chapter, parameters, library modules): a different Python or package
version on another machine makes the build re-execute, not this test fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effdyn.compendium.chapters import chapter_paths, load_chapter
from effdyn.compendium.dependencies import changed_parts, source_parts_match
from effdyn.compendium.runs import read_run
from effdyn.compendium.selection import current_key

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "book" / "stored"
MAX_STORED_BYTES = 2_500_000
COMMITTED = [p for p in chapter_paths(ROOT) if (STORED / p.stem / "ci").is_dir()]


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_committed_ci_run_matches_its_sources(path):
    record = read_run(STORED / path.stem / "ci")
    assert record is not None and record.ok, "book/stored/<slug>/ci holds no successful run"
    assert not record.provenance.get("overrides"), "a committed ci run was made with overrides"
    key = current_key(load_chapter(path), "ci")
    old = record.provenance.get("key_parts")
    changes = [c for c in changed_parts(old, key.parts) if "->" not in c]
    assert source_parts_match(old, key.parts), (
        f"the committed ci run of {path.stem} is stale (changed since: {', '.join(changes)}); "
        f"run `effdyn build --only {path.stem}` and commit book/stored/{path.stem}/ci"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_committed_run_is_small(path):
    size = sum(f.stat().st_size for f in (STORED / path.stem / "ci").iterdir())
    assert size <= MAX_STORED_BYTES, f"{path.stem}: {size / 1e6:.1f} MB committed"


def test_no_committed_run_without_a_chapter():
    slugs = {p.stem for p in chapter_paths(ROOT)}
    folders = STORED.iterdir() if STORED.is_dir() else []
    orphans = sorted(p.name for p in folders if p.is_dir() and p.name not in slugs)
    assert not orphans, f"stored runs of no chapter: {orphans}"
