"""Every real chapter: well-formed metadata, and a smoke run that records claims."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from effdyn.compendium.chapters import PROFILES, chapter_paths, load_chapter
from effdyn.compendium.runner import run_chapter

ROOT = Path(__file__).resolve().parents[1]
PATHS = chapter_paths(ROOT)
IDS = [p.stem for p in PATHS]


def test_chapters_folder_holds_only_sources():
    """Chapter sources are jupytext markdown; executed notebooks never live in chapters/."""
    stray = [p.name for p in (ROOT / "chapters").iterdir() if p.suffix != ".md"]
    assert not stray


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_chapter_metadata(path):
    chapter = load_chapter(path)
    parts = yaml.safe_load((ROOT / "book" / "parts.yml").read_text())
    assert chapter.slug in parts[chapter.part]["chapters"], "front-matter part disagrees"
    assert chapter.reproducibility_class in ("A", "B", "C", "A/B", "B/C", "A (reduced)")
    for profile in PROFILES:
        chapter.parameters(profile)  # raises on unknown names or wrong types
    assert chapter.profiles["ci"] == {}, "the ci profile is the parameters cell's defaults"
    text = path.read_text()
    assert "What this chapter reproduces" in text
    assert f"{{cite}}`{chapter.slug}`" in text, "the chapter cites its paper"
    assert "chapter_device" in text or "device" not in chapter.defaults


@pytest.mark.chapters
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_chapter_smoke_run_records_claims(path, tmp_path):
    result = run_chapter(path.stem, "smoke", out_dir=tmp_path / "run", root=ROOT, progress=False)
    assert result.ok, result.error
    assert result.claims, "the chapter recorded no claim"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_chapter_citations_resolve(path):
    from pybtex.database import parse_file

    keys = set(parse_file(str(ROOT / "book" / "references.bib")).entries)
    cited = {
        key.strip()
        for group in re.findall(r"\{cite[a-z:]*\}`([^`]+)`", path.read_text())
        for key in group.split(",")
    }
    assert cited <= keys, f"not in book/references.bib: {sorted(cited - keys)}"
