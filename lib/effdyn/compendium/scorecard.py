"""The scorecard: every claim of every chapter, gathered from run records, never by hand."""

from __future__ import annotations

from effdyn.compendium.runs import RunRecord


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def scorecard_rows(records: list[RunRecord]) -> list[dict[str, str]]:
    """One row per claim, with the fields of :data:`COLUMNS`."""
    rows = []
    for record in records:
        for c in record.claims:
            rows.append(
                {
                    "chapter": record.slug,
                    "claim": c.name,
                    "ours": _fmt(c.value),
                    "reference": _fmt(c.reference),
                    "kind": c.kind,
                    "tolerance": c.tolerance,
                    "result": "pass" if c.passed else "FAIL",
                    "profile": record.profile,
                    "device": str(record.provenance.get("device", c.device)),
                }
            )
    return rows


COLUMNS = (
    "chapter",
    "claim",
    "ours",
    "reference",
    "kind",
    "tolerance",
    "result",
    "profile",
    "device",
)


def scorecard_text(records: list[RunRecord]) -> str:
    """A plain-text table for the terminal."""
    rows = scorecard_rows(records)
    if not rows:
        return "no claims: no chapter has a current run (run `effdyn build` or `effdyn run SLUG`)"
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in COLUMNS}
    lines = ["  ".join(k.ljust(widths[k]) for k in COLUMNS)]
    lines.append("  ".join("-" * widths[k] for k in COLUMNS))
    lines += ["  ".join(r[k].ljust(widths[k]) for k in COLUMNS) for r in rows]
    passed = sum(r["result"] == "pass" for r in rows)
    lines.append(f"\n{passed}/{len(rows)} claims pass in {len(records)} chapters")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def scorecard_markdown(records: list[RunRecord], missing: dict[str, str] | None = None) -> str:
    """The book's scorecard page."""
    rows = scorecard_rows(records)
    passed = sum(r["result"] == "pass" for r in rows)
    out = [
        "# Scorecard",
        "",
        "Every comparison that a chapter makes with a reference, as the chapter recorded it "
        "(generated when the book was built; nothing here is typed by hand). *Kind* says what "
        "the reference is: a number printed in the paper, an exact formula, a converged grid "
        "solution, a brute-force simulation, a peer package, or (*comparison*) another of our "
        "own results or a threshold we chose, for the paper's qualitative statements. A failing "
        "claim is reported, not hidden.",
        "",
        f"**{passed} of {len(rows)} claims pass, in {len(records)} chapters.**",
        "",
        "| chapter | claims passing | profile shown | device | run |",
        "|---|---|---|---|---|",
        *(
            f"| {{doc}}`{r.slug} <chapters/{r.slug}>` | {sum(c.passed for c in r.claims)}"
            f"/{len(r.claims)} | {r.profile} | {r.provenance.get('device_description', '')} | "
            f"{r.provenance.get('started', '')} |"
            for r in records
        ),
        "",
        "## Every claim",
        "",
        "| chapter | claim | ours | reference | kind | tolerance | result | profile | device |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        result = "pass" if r["result"] == "pass" else "**FAIL**"
        link = f"{{doc}}`{r['chapter']} <chapters/{r['chapter']}>`"
        out.append(
            f"| {link} | {_cell(r['claim'])} | {r['ours']} | {r['reference']} | {r['kind']} | "
            f"{_cell(r['tolerance'])} | {result} | {r['profile']} | {r['device']} |"
        )
    if missing:
        out += ["", "## Chapters without a current run", ""]
        out += [f"- **{slug}**: {_cell(why)}" for slug, why in missing.items()]
    return "\n".join(out) + "\n"
