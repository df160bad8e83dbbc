"""The parts of a book page that the build writes: rerun and cite boxes, the chapter table.

Each chapter page gets, under its honest box, a *rerun* box (the exact command and where the run
shown came from) and, at its end, a *cite* box (BibTeX for the paper and for the compendium with
the commit of the run shown). The intro page gets the table of chapters with their status.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from effdyn.compendium.chapters import Chapter
    from effdyn.compendium.selection import Shown

CLAIMS_LABEL = "claims-{slug}"


def rerun_command(slug: str, profile: str) -> str:
    """``effdyn run SLUG``, with the profile (and CUDA for the paper scale) when not ``ci``."""
    command = f"effdyn run {slug}" + ("" if profile == "ci" else f" --profile {profile}")
    if profile == "paper":
        command += " --device cuda"
    return command


def changed_parameters(parameters: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a run that differ from the chapter's defaults (its ``ci`` profile)."""
    return {k: v for k, v in parameters.items() if defaults.get(k, object()) != v}


def rerun_box(entry: Shown, defaults: dict[str, Any]) -> str:
    """The "Rerun this chapter" box: the command and the run this page shows."""
    p = entry.record.provenance
    slug, profile = entry.record.slug, entry.record.profile
    changed = changed_parameters(p.get("parameters", {}), defaults)
    differ = (
        ", ".join(f"`{k}={v!r}`" for k, v in changed.items()) if changed else "none (the defaults)"
    )
    state = {
        "stored-paper": "current" if not entry.library_changed else "library changed since",
        "reused": "current (its key matches the sources)",
        "fresh": "current (executed in this build)",
        "failed": "**failed** in this build",
        "stale": "**stale**",
    }.get(entry.status, entry.status)
    return (
        "```{admonition} Rerun this chapter\n"
        ":class: tip\n"
        "From a clone of the repository, after `make setup`:\n\n"
        f"`.venv/bin/{rerun_command(slug, profile)}`\n\n"
        f"Parameters of this run that differ from the chapter's defaults: {differ}. "
        f"Add `-p NAME VALUE` to change one, `--profile smoke` for a run of seconds.\n\n"
        f"The run shown: **{profile}** profile, commit `{str(p.get('git_commit', ''))[:12]}`, "
        f"{p.get('started', '')}, on {p.get('device_description', '')}, "
        f"{float(p.get('wall_time_s', 0.0)):.0f} s; {state}.\n"
        "```"
    )


def compendium_citation(root: Path) -> dict[str, Any]:
    """``CITATION.cff`` as a mapping (a bare title when the checkout has none)."""
    path = root / "CITATION.cff"
    if not path.is_file():
        return {"title": "effdyn"}
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def paper_bibtex(root: Path, key: str) -> str | None:
    """The BibTeX entry ``key`` of ``book/references.bib`` as text, or ``None``."""
    from pybtex.database import BibliographyData, parse_file

    path = root / "book" / "references.bib"
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        return None
    bib = parse_file(str(path))
    if key not in bib.entries:
        return None
    return BibliographyData({key: bib.entries[key]}).to_string("bibtex").strip()


def compendium_bibtex(root: Path, slug: str, commit: str, started: str) -> str:
    """A BibTeX ``@software`` entry for the compendium, naming the chapter and run cited."""
    cff = compendium_citation(root)
    authors = " and ".join(
        a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}"
        for a in cff.get("authors", [])
    )
    year = str(cff.get("date-released", ""))[:4]
    fields = {
        "title": cff.get("title", "effdyn"),
        "author": authors,
        "version": cff.get("version", ""),
        "year": year,
        "note": f"chapter {slug}, run of {started}, commit {commit[:12]}",
    }
    if cff.get("repository-code"):
        fields["url"] = cff["repository-code"]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@software{{effdyn-{slug},\n{body}\n}}"


def cite_box(root: Path, entry: Shown) -> str:
    """The "Cite this chapter" box at the end of a chapter page."""
    p = entry.record.provenance
    slug = entry.record.slug
    paper = paper_bibtex(root, slug)
    compendium = compendium_bibtex(
        root, slug, str(p.get("git_commit", "unknown")), str(p.get("started", ""))
    )
    paper_ref = f", {{cite:p}}`{slug}`" if paper else ""
    text = [
        "````{admonition} Cite this chapter",
        ":class: seealso",
        f"Cite the paper this chapter reproduces{paper_ref}, and the compendium as the "
        "reproducibility artifact (the entry names the commit of the run shown here).",
        "",
    ]
    if paper:
        text += ["The paper:", "", "```bibtex", paper, "```", ""]
    text += ["The compendium:", "", "```bibtex", compendium, "```", "````"]
    return "\n".join(text)  # the outer fence is longer than the inner ones


def chapter_table(
    parts: dict[str, dict], shown: dict[str, Shown], chapters: dict[str, Chapter]
) -> str:
    """The intro page's table of chapters: part, chapter, class, claims passing, run."""
    rows = [
        "| part | chapter | class | claims passing | run shown |",
        "|---|---|---|---|---|",
    ]
    planned = 0
    for part_id, part in parts.items():
        for slug in part["chapters"]:
            if slug not in chapters:
                planned += 1
                continue
            chapter = chapters[slug]
            entry = shown.get(slug)
            if entry is None:
                rows.append(
                    f"| {part_id} | {chapter.title} | {chapter.reproducibility_class} | "
                    "no run | missing |"
                )
                continue
            claims = entry.record.claims
            rows.append(
                f"| {part_id} | {{doc}}`{_md(chapter.title)} <chapters/{slug}>` | "
                f"{chapter.reproducibility_class} | {sum(c.passed for c in claims)}/{len(claims)}"
                f" | {entry.run_label} |"
            )
    text = "\n".join(rows)
    if planned:
        text += (
            f"\n\n{planned} further papers of the list have no chapter yet; the repository's "
            "README lists them all."
        )
    return text


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace("`", "'")
