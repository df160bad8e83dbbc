"""Building the book: reuse or run every chapter, stage the sources, run jupyter-book.

A chapter is re-executed only when something it depends on changed: its key
(:mod:`effdyn.compendium.dependencies`) hashes the chapter, its parameters, the library modules it
imports, the versions of the packages they import and the Python version. A ``ci`` build keeps
each executed run, shrunk, under ``book/stored/<slug>/ci/`` to be committed with the change that
caused it, so that the next build (CI's included) reuses it.

Chapters that must run execute ``jobs`` at a time, each in its own process with one thread. One
failing chapter never stops the others: its earlier committed run is left untouched, the build
exits non-zero at the end and names every chapter that failed. The build ends with a budget
report: per chapter, whether it was reused or executed (and why), and its wall time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from effdyn.compendium.chapters import (
    Chapter,
    CompendiumError,
    all_chapters,
    known_slugs,
    repo_root,
)
from effdyn.compendium.dependencies import DependencyKey
from effdyn.compendium.pages import chapter_table, cite_box, rerun_box
from effdyn.compendium.runner import insert_markdown_cell, run_in_subprocess
from effdyn.compendium.runs import notebook_name, read_run, runs_dir, store_run, stored_dir
from effdyn.compendium.scorecard import scorecard_figure, scorecard_markdown
from effdyn.compendium.seeds import read_seed_checks
from effdyn.compendium.selection import Shown, current_key, select_shown, stale_run
from effdyn.compendium.sweep import SWEEPS_TAG, sweeps_section

STATUS_TAG = "effdyn-status"
RERUN_TAG = "effdyn-rerun"
CITE_TAG = "effdyn-cite"
CLAIMS_TAG = "effdyn-claims-label"
#: Sphinx warnings that mean a broken page: the build fails on them.
BROKEN_PAGE_WARNINGS = (
    "undefined label",
    "unknown document",
    "reference target not found",
    "could not find bibtex key",
    "image file not readable",
    "unknown target name",
    "nonexisting document",
    "unknown interpreted text role",
    "unknown directive type",
    "duplicate label",
    "failed to find",
)
BOOK_PAGES = ("_config.yml", "intro.md", "authoring.md", "bibliography.md", "references.bib")
BOOK_FILES = ("favicon.png",)  # copied when present


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


def stage(
    root: Path,
    shown: dict[str, Shown],
    missing: dict[str, str],
    profile: str = "ci",
    chapters: dict[str, Chapter] | None = None,
) -> Path:
    """Write the book's source folder (``book/_build/src``) and return it.

    Each chapter page gets the rerun box and the status of its run under its honest box, a label
    before its claims table (the scorecard links to it) and the cite box at its end; the intro
    gets the table of chapters; the scorecard page and its bar chart are generated.
    """
    chapters = chapters or {}
    src = root / "book" / "_build" / "src"
    if src.exists():
        shutil.rmtree(src)
    (src / "chapters").mkdir(parents=True)
    for name in BOOK_PAGES:
        shutil.copy2(root / "book" / name, src / name)
    for name in BOOK_FILES:
        if (root / "book" / name).is_file():
            shutil.copy2(root / "book" / name, src / name)
    for slug, entry in shown.items():
        target = src / "chapters" / notebook_name(slug)
        shutil.copy2(entry.record.notebook, target)
        defaults = chapters[slug].defaults if slug in chapters else {}
        insert_markdown_cell(target, entry.note(), STATUS_TAG)
        insert_markdown_cell(target, rerun_box(entry, defaults), RERUN_TAG)
        label_claims_table(target, slug)
        sweeps = sweeps_section(slug, src / "chapters", root)
        if sweeps:
            insert_markdown_cell(target, sweeps, SWEEPS_TAG, position=10**9)
        insert_markdown_cell(target, cite_box(root, entry), CITE_TAG, position=10**9)
        collapse_injected_parameters(target)
    parts = read_parts(root)
    (src / "_toc.yml").write_text(yaml.safe_dump(toc(parts, list(shown)), sort_keys=False))
    intro = (src / "intro.md").read_text(encoding="utf-8")
    table = chapter_table(parts, shown, chapters)
    (src / "intro.md").write_text(
        intro.rstrip() + "\n\n## The chapters\n\n" + table + "\n", encoding="utf-8"
    )
    ordered = [shown[s] for p in parts.values() for s in p["chapters"] if s in shown]
    records = [e.record for e in ordered]
    seed_checks = {r.slug: read_seed_checks(r.slug, profile, root) for r in records}
    figure = None
    if records:
        figure = "scorecard-bars.png"
        scorecard_figure(records, src / figure)
    (src / "scorecard.md").write_text(
        scorecard_markdown(
            records,
            missing,
            runs={e.record.slug: e.run_label for e in ordered},
            seed_checks={s: c for s, c in seed_checks.items() if c is not None},
            chapters=chapters,
            figure=figure,
            claims_labels=True,
        ),
        encoding="utf-8",
    )
    return src


def label_claims_table(notebook_path: Path, slug: str) -> None:
    """Put the label ``claims-<slug>`` before the cell that shows the claims table (the last
    cell calling ``show_claims()``; the end of the page if there is none)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    nb.cells = [c for c in nb.cells if CLAIMS_TAG not in c.get("metadata", {}).get("tags", [])]
    where = len(nb.cells)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "show_claims(" in cell.source:
            where = i
    text = (
        f"(claims-{slug})=\n*The claims of this chapter; the {{doc}}`scorecard <../scorecard>` "
        "gathers every chapter's.*"
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [CLAIMS_TAG]
    nb.cells.insert(where, cell)
    nbformat.write(nb, notebook_path)


def collapse_injected_parameters(notebook_path: Path) -> None:
    """Fold papermill's injected parameters cell on the page (the provenance box lists them)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
    nbformat.write(nb, notebook_path)


def broken_page_warnings(log: str) -> list[str]:
    """The lines of a Sphinx log that warn of a broken page (see :data:`BROKEN_PAGE_WARNINGS`)."""
    lines = []
    for line in re.sub(r"\x1b\[[0-9;]*m", "", log).splitlines():
        lowered = line.lower()
        if "warning" in lowered and any(p in lowered for p in BROKEN_PAGE_WARNINGS):
            lines.append(line.strip())
    return lines


def run_jupyter_book(src: Path, html_out: Path) -> bool:
    """Build the HTML book from ``src`` into ``html_out``; return whether it succeeded.

    The build fails on a Sphinx warning that means a broken page (an unresolved reference, a
    missing citation or figure): they are printed.
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "--builder", "html"]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    log = done.stdout + done.stderr
    (src / "jupyter-book.log").write_text(log, encoding="utf-8")
    print("\n".join(log.splitlines()[-12:]))
    if done.returncode != 0:
        print(log[-5000:], file=sys.stderr)
        return False
    broken = broken_page_warnings(log)
    if broken:
        print(f"{len(broken)} Sphinx warning(s) of broken pages:", file=sys.stderr)
        for line in broken:
            print(f"  {line}", file=sys.stderr)
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


@dataclass
class Outcome:
    """What the build did with one chapter, for the budget report."""

    slug: str
    action: str  # reused | executed | failed | stale | not run | stored-paper
    wall_s: float = 0.0
    key: str = ""
    why: list[str] = field(default_factory=list)

    def line(self) -> str:
        """``reused (key abc123)`` or ``executed (changed: effdyn/sde/simulate.py)``."""
        if self.action in ("reused", "stored-paper"):
            return f"{self.slug}: {self.action} (key {self.key[:12]})"
        return f"{self.slug}: {self.action} ({_why(self.why)})"


def _why(changes: list[str], limit: int = 6) -> str:
    if not changes:
        return "no kept run"
    if changes == ["rebuild asked"] or changes == ["no earlier key"]:
        return changes[0]
    text = ", ".join(changes[:limit])
    more = f" and {len(changes) - limit} more" if len(changes) > limit else ""
    return f"changed: {text}{more}"


def budget_report(outcomes: list[Outcome], elapsed_s: float) -> str:
    """The table printed at the end of a build: per chapter, what was done and how long it took."""
    width = max([len("chapter"), *(len(o.slug) for o in outcomes)])
    lines = [
        f"{'chapter'.ljust(width)}  {'run':<12}  {'wall s':>7}  {'key':<12}  why",
        f"{'-' * width}  {'-' * 12}  {'-' * 7}  {'-' * 12}  ---",
    ]
    for o in outcomes:
        why = "" if o.action in ("reused", "stored-paper") else _why(o.why)
        lines.append(
            f"{o.slug.ljust(width)}  {o.action:<12}  {o.wall_s:7.1f}  {o.key[:12]:<12}  {why}"
        )
    executed = [o for o in outcomes if o.action in ("executed", "failed")]
    reused = [o for o in outcomes if o.action in ("reused", "stored-paper")]
    lines.append(
        f"{len(executed)} executed ({sum(o.wall_s for o in executed):.0f} s of chapter time), "
        f"{len(reused)} reused (they took {sum(o.wall_s for o in reused):.0f} s when made); "
        f"sum of all chapters {sum(o.wall_s for o in outcomes):.0f} s; "
        f"this build ran chapters for {elapsed_s:.0f} s of wall time"
    )
    return "\n".join(lines)


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def build_book(
    profile: str = "ci",
    budget_minutes: float | None = None,
    only: list[str] | None = None,
    html: bool = True,
    device: str | None = None,
    root: Path | None = None,
    jobs: int = 2,
    rebuild: bool = False,
    execute: bool = True,
    store: bool | None = None,
) -> int:
    """Reuse or run every chapter, stage the book and build its HTML.

    Parameters
    ----------
    profile : str
        The profile of the runs the book shows (``ci``).
    budget_minutes : float, optional
        Fail loudly when running chapters takes longer; chapters not started by then are not run.
    only : list of str, optional
        Build only these chapters.
    html : bool
        Run jupyter-book at the end.
    device : {"cpu", "cuda", None}
        Device of executed chapters.
    jobs : int
        Chapters executed at a time (each in its own process, one thread each when ``jobs > 1``).
    rebuild : bool
        Ignore every kept run and execute all chapters (before a release, after upgrading
        dependencies).
    execute : bool
        ``False``: execute nothing; a kept run whose key no longer matches is shown under a
        "stale" banner, a chapter without any kept run is left out (and the build fails).
    store : bool, optional
        Keep each successful executed run under ``book/stored/<slug>/<profile>/`` (default: for
        the ``ci`` profile).

    Returns
    -------
    int
        0 when every chapter has a current run and the book built; 1 otherwise (named).
    """
    if jobs < 1:
        raise CompendiumError("--jobs must be at least 1")
    if rebuild and not execute:
        raise CompendiumError("--rebuild and --no-execute contradict each other")
    root = root or repo_root()
    store = (profile == "ci") if store is None else store
    chapters = _select_chapters(root, only)
    shown: dict[str, Shown] = {}
    failures: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    to_run: list[tuple[Chapter, DependencyKey, list[str]]] = []

    for chapter in chapters:
        key = current_key(chapter, profile)
        entry = None if rebuild else select_shown(chapter, profile, root, key)
        if entry is not None:
            action = "stored-paper" if entry.status == "stored-paper" else "reused"
            kept = stored_dir(root) / chapter.slug / profile
            if store and action == "reused" and entry.record.folder.resolve() != kept.resolve():
                # a matching run left by `effdyn run` or `check-seeds`: commit it as the book's
                entry = Shown(
                    record=read_run(store_run(entry.record.folder, root)), status="reused"
                )
            outcome = Outcome(
                chapter.slug,
                action,
                float(entry.record.provenance.get("wall_time_s", 0.0)),
                str(entry.record.provenance.get("key", "")),
            )
            shown[chapter.slug], outcomes[chapter.slug] = entry, outcome
            print(outcome.line())
            continue
        stale = stale_run(chapter, profile, root, key)
        if not execute:
            if stale is not None:
                shown[chapter.slug] = stale
                outcomes[chapter.slug] = Outcome(
                    chapter.slug,
                    "stale",
                    0.0,
                    str(stale.record.provenance.get("key", "")),
                    stale.changes,
                )
                failures[chapter.slug] = "stale run shown (the build was told not to execute)"
            else:
                outcomes[chapter.slug] = Outcome(chapter.slug, "not run", why=["no kept run"])
                failures[chapter.slug] = "no kept run, and the build was told not to execute"
            print(outcomes[chapter.slug].line())
            continue
        why = ["rebuild asked"] if rebuild else (stale.changes if stale else [])
        to_run.append((chapter, key, why))

    t0 = time.perf_counter()
    if to_run:
        from tqdm.auto import tqdm

        def task(item: tuple[Chapter, DependencyKey, list[str]]):
            chapter = item[0]
            elapsed_min = (time.perf_counter() - t0) / 60
            if budget_minutes is not None and elapsed_min > budget_minutes:
                return item, None, None, elapsed_min
            out = runs_dir(root) / chapter.slug / profile
            log = run_in_subprocess(chapter.slug, profile, out, root, device, jobs > 1)
            return item, out, log, elapsed_min

        bar = tqdm(total=len(to_run), desc=f"chapters ({jobs} at a time)", unit="chapter")
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(task, item) for item in to_run]
            for future in as_completed(futures):
                (chapter, key, why), out, log, elapsed_min = future.result()
                slug = chapter.slug
                if out is None:
                    failures[slug] = (
                        f"not run: the build's budget of {budget_minutes:g} min was spent "
                        f"({elapsed_min:.1f} min elapsed)"
                    )
                    outcomes[slug] = Outcome(slug, "not run", why=["budget spent"])
                    bar.write(f"{slug}: {failures[slug]}", file=sys.stderr)
                    bar.update()
                    continue
                record = read_run(out)
                if record is not None and record.provenance.get("key") != key.value:
                    bar.write(
                        f"{slug}: its sources changed while it ran; shown, and rerun next build",
                        file=sys.stderr,
                    )
                if record is None:
                    failed = read_run(out.with_name(out.name + ".failed"))
                    error = (failed.provenance.get("error") if failed else None) or (
                        "the run left no record; its log ends with:\n" + _tail(log)
                    )
                    failures[slug] = str(error)
                    wall = float(failed.provenance["wall_time_s"]) if failed else 0.0
                    outcomes[slug] = Outcome(slug, "failed", wall, key.value, why)
                    if failed is not None:
                        shown[slug] = Shown(record=failed, status="failed")
                    bar.write(f"{slug}: FAILED ({error}); log {log}", file=sys.stderr)
                else:
                    if store:
                        record = read_run(store_run(out, root)) or record
                    passed = sum(c.passed for c in record.claims)
                    wall = float(record.provenance["wall_time_s"])
                    outcomes[slug] = Outcome(slug, "executed", wall, key.value, why)
                    shown[slug] = Shown(record=record, status="fresh")
                    bar.write(
                        f"{outcomes[slug].line()}: {wall:.0f} s, "
                        f"{passed}/{len(record.claims)} claims pass"
                    )
                bar.update()
        bar.close()
    elapsed = time.perf_counter() - t0
    ordered = [outcomes[c.slug] for c in chapters if c.slug in outcomes]
    print("\nbudget report\n" + budget_report(ordered, elapsed))
    if budget_minutes is not None and elapsed / 60 > budget_minutes:
        failures.setdefault(
            "(budget)", f"running chapters took {elapsed / 60:.1f} min > {budget_minutes:g} min"
        )

    missing = {s: why for s, why in failures.items() if s not in shown}
    src = stage(root, shown, missing, profile, {c.slug: c for c in chapters})
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
