"""Building the book: run (or reuse) every chapter, stage the sources, run jupyter-book.

One failing chapter never stops the others; the build exits non-zero at the end and names every
chapter that failed. An optional time budget makes a slow build fail loudly instead of silently
stretching CI.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from effdyn.compendium.chapters import (
    Chapter,
    CompendiumError,
    all_chapters,
    known_slugs,
    repo_root,
)
from effdyn.compendium.runner import insert_markdown_cell, run_chapter
from effdyn.compendium.runs import notebook_name, read_run
from effdyn.compendium.scorecard import scorecard_markdown
from effdyn.compendium.selection import Shown, select_shown

STATUS_TAG = "effdyn-status"
BOOK_PAGES = ("_config.yml", "intro.md", "authoring.md", "bibliography.md", "references.bib")


def read_parts(root: Path) -> dict[str, dict]:
    """``book/parts.yml``: part id -> {title, chapters (ordered slugs)}."""
    return yaml.safe_load((root / "book" / "parts.yml").read_text(encoding="utf-8"))


def toc(parts: dict[str, dict], present: list[str]) -> dict:
    """The jupyter-book table of contents for the chapters that are present."""
    toc_parts = []
    for part in parts.values():
        files = [{"file": f"chapters/{s}"} for s in part["chapters"] if s in present]
        if files:
            toc_parts.append({"caption": part["title"], "chapters": files})
    toc_parts.append(
        {
            "caption": "About this compendium",
            "chapters": [{"file": "scorecard"}, {"file": "bibliography"}, {"file": "authoring"}],
        }
    )
    return {"format": "jb-book", "root": "intro", "parts": toc_parts}


def stage(root: Path, shown: dict[str, Shown], missing: dict[str, str]) -> Path:
    """Write the book's source folder (``book/_build/src``) and return it."""
    src = root / "book" / "_build" / "src"
    if src.exists():
        shutil.rmtree(src)
    (src / "chapters").mkdir(parents=True)
    for name in BOOK_PAGES:
        shutil.copy2(root / "book" / name, src / name)
    for slug, entry in shown.items():
        target = src / "chapters" / notebook_name(slug)
        shutil.copy2(entry.record.notebook, target)
        insert_markdown_cell(target, entry.note(), STATUS_TAG)
        collapse_injected_parameters(target)
    parts = read_parts(root)
    (src / "_toc.yml").write_text(yaml.safe_dump(toc(parts, list(shown)), sort_keys=False))
    records = [shown[s].record for p in parts.values() for s in p["chapters"] if s in shown]
    (src / "scorecard.md").write_text(scorecard_markdown(records, missing), encoding="utf-8")
    return src


def collapse_injected_parameters(notebook_path: Path) -> None:
    """Fold papermill's injected parameters cell on the page (the provenance box lists them)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
    nbformat.write(nb, notebook_path)


def run_jupyter_book(src: Path, html_out: Path) -> bool:
    """Build the HTML book from ``src`` into ``html_out``; return whether it succeeded."""
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "--builder", "html"]
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        return False
    if html_out.exists():
        shutil.rmtree(html_out)
    shutil.move(str(src / "_build" / "html"), html_out)
    return True


def _select_chapters(root: Path, only: list[str] | None) -> list[Chapter]:
    chapters = all_chapters(root)
    if not only:
        return chapters
    unknown = sorted(set(only) - {c.slug for c in chapters})
    if unknown:
        raise CompendiumError(
            f"unknown chapter(s) {', '.join(unknown)}; known chapters: "
            f"{', '.join(known_slugs(root))}"
        )
    return [c for c in chapters if c.slug in only]


def build_book(
    profile: str = "ci",
    budget_minutes: float | None = None,
    only: list[str] | None = None,
    html: bool = True,
    device: str | None = None,
    root: Path | None = None,
) -> int:
    """Run or reuse every chapter, stage the book and build its HTML.

    Returns
    -------
    int
        0 when every chapter ran and the book built; 1 otherwise (the failures are named).
    """
    root = root or repo_root()
    chapters = _select_chapters(root, only)
    shown: dict[str, Shown] = {}
    failures: dict[str, str] = {}
    t0 = time.perf_counter()
    for chapter in chapters:
        entry = select_shown(chapter, profile, root)
        if entry is not None:
            print(f"{chapter.slug}: showing {entry.status} {entry.record.profile} run")
            shown[chapter.slug] = entry
            continue
        elapsed_min = (time.perf_counter() - t0) / 60
        if budget_minutes is not None and elapsed_min > budget_minutes:
            failures[chapter.slug] = (
                f"not run: the build's budget of {budget_minutes:g} min was spent "
                f"({elapsed_min:.1f} min elapsed)"
            )
            print(f"{chapter.slug}: {failures[chapter.slug]}", file=sys.stderr)
            continue
        print(f"{chapter.slug}: running the {profile} profile ...", flush=True)
        result = run_chapter(chapter, profile, device=device, root=root, progress=False)
        print(result.summary(), flush=True)
        record = read_run(result.folder)
        if not result.ok:
            failures[chapter.slug] = result.error or "failed"
        if record is not None:
            shown[chapter.slug] = Shown(record=record, status="fresh" if result.ok else "failed")
    run_minutes = (time.perf_counter() - t0) / 60
    print(f"chapters done in {run_minutes:.1f} min")
    if budget_minutes is not None and run_minutes > budget_minutes:
        failures.setdefault(
            "(budget)", f"running chapters took {run_minutes:.1f} min > {budget_minutes:g} min"
        )

    src = stage(root, shown, {s: why for s, why in failures.items() if s not in shown})
    book_ok = True
    if html:
        html_out = root / "book" / "_build" / "html"
        book_ok = run_jupyter_book(src, html_out)
        if book_ok:
            print(f"book built: {html_out / 'index.html'}")
    if failures or not book_ok:
        for slug, why in failures.items():
            print(f"FAILED {slug}: {why}", file=sys.stderr)
        if not book_ok:
            print("FAILED: jupyter-book could not build the book", file=sys.stderr)
        return 1
    return 0
