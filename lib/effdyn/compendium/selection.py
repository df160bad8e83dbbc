"""Which run the book shows for a chapter, and when a kept run may be reused.

Rules (never show a stale result as current):

* A stored ``paper`` run is shown while the chapter source hashes as it did for that run. If the
  library changed since, the page says so.
* Otherwise a ``ci`` run is reused only if the chapter, the library and the parameters all hash
  as they did for it and it ran without overrides; else the chapter is run afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from effdyn.compendium import provenance as prov
from effdyn.compendium.chapters import Chapter
from effdyn.compendium.runs import RunRecord, read_run, runs_dir, stored_dir

ALL_INPUTS = ("chapter_hash", "library_hash", "parameters_hash")


@dataclass
class Shown:
    """The run a chapter's page shows and why."""

    record: RunRecord
    status: str  # stored-paper | reused | fresh | failed
    library_changed: bool = False

    def note(self) -> str:
        """Markdown box that tells the reader which run the page shows."""
        p = self.record.provenance
        when = f"{p['started']}, commit `{p['git_commit'][:12]}`"
        if self.status == "stored-paper":
            text = (
                f"This page shows the stored **paper**-scale run ({when}, on "
                f"{p['device_description']}). The chapter source is unchanged since that run."
            )
            if self.library_changed:
                text += (
                    " **The library has changed since that run**: its numbers may differ from a "
                    f"rerun (`effdyn run {self.record.slug} --profile paper`)."
                )
            return _box("Stored paper run", "tip" if not self.library_changed else "warning", text)
        if self.status == "reused":
            text = (
                f"This page shows a **{p['profile']}** run made earlier ({when}); its chapter, "
                "library and parameters hash exactly as now, so it was reused, not rerun."
            )
            return _box(f"{p['profile']} run (reused)", "note", text)
        if self.status == "fresh":
            text = f"This page shows a **{p['profile']}** run made while building this book."
            return _box(f"{p['profile']} run", "note", text)
        text = (
            f"**This chapter failed** while building the book: {p.get('error')}. "
            "The partial notebook is shown; its claims are incomplete."
        )
        return _box("Failed run", "error", text)


def _box(title: str, klass: str, text: str) -> str:
    return f"```{{admonition}} {title}\n:class: {klass}\n{text}\n```"


def expected_inputs(chapter: Chapter, profile: str) -> dict[str, str]:
    """The current hashes of a chapter's inputs for a profile run without overrides."""
    return {
        "chapter_hash": prov.chapter_hash(chapter.path),
        "library_hash": prov.library_hash(),
        "parameters_hash": prov.parameters_hash(chapter.parameters(profile)),
    }


def candidate_folders(slug: str, profile: str, root: Path | None = None) -> list[Path]:
    return [runs_dir(root) / slug / profile, stored_dir(root) / slug / profile]


def reusable_run(chapter: Chapter, profile: str, root: Path | None = None) -> RunRecord | None:
    """A kept successful run of ``profile`` whose inputs all match the current sources."""
    expected = expected_inputs(chapter, profile)
    for folder in candidate_folders(chapter.slug, profile, root):
        record = read_run(folder)
        if (
            record is not None
            and record.ok
            and not record.provenance.get("overrides")
            and prov.inputs_match(record.provenance, expected, ALL_INPUTS)
        ):
            return record
    return None


def stored_paper_run(chapter: Chapter, root: Path | None = None) -> Shown | None:
    """The stored ``paper`` run if the chapter is unchanged since it was made."""
    record = read_run(stored_dir(root) / chapter.slug / "paper")
    if record is None or not record.ok:
        return None
    if record.provenance.get("chapter_hash") != prov.chapter_hash(chapter.path):
        return None
    changed = record.provenance.get("library_hash") != prov.library_hash()
    return Shown(record=record, status="stored-paper", library_changed=changed)


def select_shown(chapter: Chapter, profile: str = "ci", root: Path | None = None) -> Shown | None:
    """The run to show without running anything, or ``None`` if the chapter must be run."""
    if profile != "paper":
        paper = stored_paper_run(chapter, root)
        if paper is not None:
            return paper
    record = reusable_run(chapter, profile, root)
    return Shown(record=record, status="reused") if record else None


def describe_available(chapter: Chapter, root: Path | None = None) -> list[str]:
    """Lines for ``effdyn list``: each kept run and whether it is current."""
    lines = []
    current_chapter = prov.chapter_hash(chapter.path)
    current_library = prov.library_hash()
    for profile in chapter.profiles:
        for folder in candidate_folders(chapter.slug, profile, root):
            record = read_run(folder)
            if record is None:
                continue
            p = record.provenance
            kind = "stored" if "stored" in folder.parts else "last"
            state = []
            if not record.ok:
                state.append("failed")
            if p.get("chapter_hash") != current_chapter:
                state.append("chapter changed since")
            if p.get("library_hash") != current_library:
                state.append("library changed since")
            lines.append(
                f"{kind} {profile} run: {p['started']} on {p['device']}, "
                f"{p['n_passed']}/{p['n_claims']} claims pass"
                + (f" [{'; '.join(state)}]" if state else " [current]")
            )
    return lines
