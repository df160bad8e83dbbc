"""Which run the book shows for a chapter, and when a kept run may be reused.

Rules (never show a stale result as current):

* A stored ``paper`` run is shown while the chapter source hashes as it did for that run. If a
  library module the chapter imports changed since, the page says which.
* Otherwise a kept run of the profile (committed under ``book/stored/<slug>/<profile>/`` or left
  by an earlier run under ``book/_build/runs/``) is reused only if it ran without overrides and
  its dependency key (:mod:`effdyn.compendium.dependencies`) equals the current one; else the
  chapter is run afresh.
* A kept run whose key no longer matches is *stale*: it is shown only when the build is told not
  to execute anything, under a banner that lists what changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from effdyn.compendium import provenance as prov
from effdyn.compendium.chapters import Chapter
from effdyn.compendium.dependencies import DependencyKey, changed_parts, dependency_key
from effdyn.compendium.runs import RunRecord, read_run, runs_dir, stored_dir


@dataclass
class Shown:
    """The run a chapter's page shows and why.

    ``status`` is ``stored-paper``, ``reused``, ``fresh`` (executed in this build), ``failed``
    or ``stale``; ``changes`` lists what changed since the run (for ``stale`` and for a stored
    paper run whose library modules changed).
    """

    record: RunRecord
    status: str
    library_changed: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def run_label(self) -> str:
        """A few words for the scorecard: how this build got the run, and its date."""
        started = self.record.provenance.get("started", "")
        return {
            "stored-paper": f"stored paper run of {started}",
            "reused": f"reused, run of {started}",
            "fresh": f"executed in this build ({started})",
            "failed": f"FAILED in this build ({started})",
            "stale": f"**stale** run of {started}",
        }.get(self.status, self.status)

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
                    " **The library has changed since that run**"
                    + (f" ({_listing(self.changes)})" if self.changes else "")
                    + ": its numbers may differ from a rerun "
                    f"(`effdyn run {self.record.slug} --profile paper`)."
                )
            return _box("Stored paper run", "tip" if not self.library_changed else "warning", text)
        if self.status == "reused":
            n_modules = len((p.get("key_parts") or {}).get("modules", {}))
            text = (
                f"This page shows a **{p['profile']}** run made earlier ({when}). Its key "
                f"(`{str(p.get('key', ''))[:12]}`: the chapter, its parameters, the {n_modules} "
                "library modules it imports, the versions of the packages they import and of "
                "Python) equals the current one, so it was reused, not rerun."
            )
            return _box(f"{p['profile']} run (reused)", "note", text)
        if self.status == "fresh":
            text = f"This page shows a **{p['profile']}** run made while building this book."
            return _box(f"{p['profile']} run", "note", text)
        if self.status == "stale":
            text = (
                f"**This run is stale.** It was made {when}; since then, "
                f"{_listing(self.changes)} changed, so its numbers are not necessarily what the "
                "current sources give. The book was built without executing chapters; "
                f"`effdyn build --only {self.record.slug}` reruns it."
            )
            return _box("Stale run", "warning", text)
        text = (
            f"**This chapter failed** while building the book: {p.get('error')}. "
            "The partial notebook is shown; its claims are incomplete."
        )
        return _box("Failed run", "error", text)


def _listing(changes: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"`{c}`" for c in changes[:limit])
    return shown + (f" and {len(changes) - limit} more" if len(changes) > limit else "")


def _box(title: str, klass: str, text: str) -> str:
    return f"```{{admonition}} {title}\n:class: {klass}\n{text}\n```"


def current_key(chapter: Chapter, profile: str) -> DependencyKey:
    """The dependency key of running ``profile`` of ``chapter`` now, without overrides."""
    return dependency_key(chapter.path, chapter.parameters(profile))


def candidate_folders(slug: str, profile: str, root: Path | None = None) -> list[Path]:
    """Where kept runs of a profile may be, the committed one first."""
    return [stored_dir(root) / slug / profile, runs_dir(root) / slug / profile]


def _kept(chapter: Chapter, profile: str, root: Path | None) -> list[RunRecord]:
    records = (read_run(f) for f in candidate_folders(chapter.slug, profile, root))
    return [r for r in records if r is not None and r.ok and not r.provenance.get("overrides")]


def reusable_run(
    chapter: Chapter, profile: str, root: Path | None = None, key: DependencyKey | None = None
) -> RunRecord | None:
    """A kept successful run of ``profile`` whose dependency key equals the current one."""
    key = key or current_key(chapter, profile)
    for record in _kept(chapter, profile, root):
        if record.provenance.get("key") == key.value:
            return record
    return None


def stale_run(
    chapter: Chapter, profile: str, root: Path | None = None, key: DependencyKey | None = None
) -> Shown | None:
    """The kept run (committed first) whose key no longer matches, with what changed since."""
    key = key or current_key(chapter, profile)
    for record in _kept(chapter, profile, root):
        if record.provenance.get("key") != key.value:
            changes = changed_parts(record.provenance.get("key_parts"), key.parts)
            return Shown(record=record, status="stale", changes=changes)
    return None


def stored_paper_run(chapter: Chapter, root: Path | None = None) -> Shown | None:
    """The stored ``paper`` run if the chapter is unchanged since it was made."""
    record = read_run(stored_dir(root) / chapter.slug / "paper")
    if record is None or not record.ok:
        return None
    if record.provenance.get("chapter_hash") != prov.chapter_hash(chapter.path):
        return None
    old_parts = record.provenance.get("key_parts")
    if old_parts:
        params = record.provenance.get("parameters", {})
        new_parts = dependency_key(chapter.path, params).parts
        changes = [c for c in changed_parts(old_parts, new_parts) if c != "chapter"]
        changed = any(c.startswith(("effdyn/", "+", "-")) for c in changes)
        changes = [c for c in changes if c.startswith(("effdyn/", "+", "-"))]
    else:  # runs kept before dependency keys existed
        changed, changes = record.provenance.get("library_hash") != prov.library_hash(), []
    return Shown(record=record, status="stored-paper", library_changed=changed, changes=changes)


def select_shown(
    chapter: Chapter,
    profile: str = "ci",
    root: Path | None = None,
    key: DependencyKey | None = None,
) -> Shown | None:
    """The run to show without running anything, or ``None`` if the chapter must be run."""
    if profile != "paper":
        paper = stored_paper_run(chapter, root)
        if paper is not None:
            return paper
    record = reusable_run(chapter, profile, root, key)
    return Shown(record=record, status="reused") if record else None


def describe_available(chapter: Chapter, root: Path | None = None) -> list[str]:
    """Lines for ``effdyn list``: each kept run and whether it is current."""
    lines = []
    for profile in chapter.profiles:
        key = None
        for folder in candidate_folders(chapter.slug, profile, root):
            record = read_run(folder)
            if record is None:
                continue
            key = key or current_key(chapter, profile)
            p = record.provenance
            kind = "stored" if "stored" in folder.parts else "last"
            state = []
            if not record.ok:
                state.append("failed")
            if p.get("overrides"):
                state.append("with overrides")
            changes = (
                [] if p.get("key") == key.value else changed_parts(p.get("key_parts"), key.parts)
            )
            if changes:
                state.append("changed since: " + ", ".join(changes[:5]))
            lines.append(
                f"{kind} {profile} run: {p['started']} on {p['device']}, "
                f"{p['n_passed']}/{p['n_claims']} claims pass"
                + (f" [{'; '.join(state)}]" if state else " [current]")
            )
    return lines
