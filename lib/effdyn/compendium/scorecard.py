"""The scorecard: every claim of every chapter, gathered from run records, never by hand.

Beside each verdict it shows what a reader needs to weigh it: the kind of reference (and how many
of a chapter's claims test against an independent one), where the tolerance comes from, whether
the claim rules out its null prediction, whether its noise is wider than its tolerance, and
whether its verdict flipped in the chapter's last seed check.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from effdyn.compendium.claims import INDEPENDENT_KINDS, REFERENCE_KINDS, Claim
from effdyn.compendium.runs import RunRecord

if TYPE_CHECKING:
    from effdyn.compendium.chapters import Chapter
    from effdyn.compendium.seeds import SeedCheck


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def _fragile(check: SeedCheck | None) -> set[str]:
    return set(check.fragile) if check is not None else set()


def claim_flags(c: Claim, fragile: set[str]) -> list[str]:
    """Short warnings for one claim: not discriminating, noise-limited, fragile."""
    flags = []
    if c.discriminates is False:
        flags.append("does not discriminate")
    if c.noise_limited:
        flags.append("noise-limited")
    if c.name in fragile:
        flags.append("fragile")
    return flags


def scorecard_rows(
    records: list[RunRecord], seed_checks: dict[str, SeedCheck] | None = None
) -> list[dict[str, str]]:
    """One row per claim, with the fields of :data:`COLUMNS`."""
    rows = []
    for record in records:
        fragile = _fragile((seed_checks or {}).get(record.slug))
        for c in record.claims:
            rows.append(
                {
                    "chapter": record.slug,
                    "claim": c.name,
                    "ours": _fmt(c.value),
                    "reference": _fmt(c.reference),
                    "kind": c.kind,
                    "tolerance": c.tolerance,
                    "from": c.tolerance_from or "?",
                    "null": _fmt(c.null),
                    "result": "pass" if c.passed else "FAIL",
                    "flags": ", ".join(claim_flags(c, fragile)),
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
    "from",
    "null",
    "result",
    "flags",
    "profile",
    "device",
)


def scorecard_text(
    records: list[RunRecord], seed_checks: dict[str, SeedCheck] | None = None
) -> str:
    """A plain-text table for the terminal."""
    rows = scorecard_rows(records, seed_checks)
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
    return text.replace("|", "\\|").replace("\n", " ")


def _kind_counts(claims: list[Claim]) -> str:
    counts = Counter(c.kind for c in claims)
    return ", ".join(f"{kind} {counts[kind]}" for kind in REFERENCE_KINDS if counts[kind])


def scorecard_figure(records: list[RunRecord], path) -> None:
    """A small horizontal bar chart of passing / total claims per chapter, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    slugs = [r.slug for r in records][::-1]
    passed = [sum(c.passed for c in r.claims) for r in records][::-1]
    totals = [len(r.claims) for r in records][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(records) + 1.0), dpi=110)
    ax.barh(slugs, totals, color="#e9b3b3", label="failing")
    ax.barh(slugs, passed, color="#4c9a6a", label="passing")
    for y, (p, t) in enumerate(zip(passed, totals, strict=True)):
        ax.text(t + 0.3, y, f"{p}/{t}", va="center", fontsize=8)
    ax.set_xlabel("claims")
    ax.set_xlim(0, max(totals, default=1) * 1.15 + 1)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def scorecard_markdown(
    records: list[RunRecord],
    missing: dict[str, str] | None = None,
    runs: dict[str, str] | None = None,
    seed_checks: dict[str, SeedCheck] | None = None,
    chapters: dict[str, Chapter] | None = None,
    figure: str | None = None,
    claims_labels: bool = False,
) -> str:
    """The book's scorecard page.

    Parameters
    ----------
    records : list of RunRecord
        The runs the book shows, in the book's order.
    missing : dict, optional
        Chapters without a current run, and why.
    runs : dict, optional
        Per chapter, how this build got its run (``reused, run of ...``, ``executed ...``).
    seed_checks : dict, optional
        Per chapter, its last seed check (claims that flipped are marked fragile).
    chapters : dict, optional
        Per chapter, its source (part, class and title for the table).
    figure : str, optional
        File name of the bar chart (see :func:`scorecard_figure`) to show at the top.
    claims_labels : bool
        Link each chapter's claims to the ``claims-<slug>`` label its page carries.
    """
    seed_checks = seed_checks or {}
    runs = runs or {}
    chapters = chapters or {}
    all_claims = [c for r in records for c in r.claims]
    passed = sum(c.passed for c in all_claims)
    independent = sum(c.kind in INDEPENDENT_KINDS for c in all_claims)
    weak = sum(c.discriminates is False for c in all_claims)
    noisy = sum(c.noise_limited for c in all_claims)
    fragile = sum(len(_fragile(seed_checks.get(r.slug))) for r in records)
    kinds = "; ".join(f"*{k}*: {v}" for k, v in REFERENCE_KINDS.items())
    out = [
        "# Scorecard",
        "",
        "Every comparison that a chapter makes with a reference, as the chapter recorded it "
        "(generated when the book was built; nothing here is typed by hand). A failing claim is "
        "reported, not hidden: it marks a real shortfall of our reproduction at the scale shown.",
        "",
    ]
    if figure:
        out += [f"![Claims passing out of all claims, per chapter]({figure})", ""]
    out += [
        f"**{passed} of {len(all_claims)} claims pass, in {len(records)} chapters; "
        f"{independent} test against an independent reference; {weak} do not discriminate, "
        f"{noisy} are noise-limited, {fragile} are fragile.**",
        "",
        "## Chapters",
        "",
        "| part | chapter | class | profile shown | run | device | claims passing |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        chapter = chapters.get(r.slug)
        part = chapter.part if chapter else ""
        klass = chapter.reproducibility_class if chapter else ""
        out.append(
            f"| {part} | {{doc}}`{r.slug} <chapters/{r.slug}>` | {klass} | {r.profile} | "
            f"{runs.get(r.slug, r.provenance.get('started', ''))} | "
            f"{r.provenance.get('device_description', '')} | "
            f"{sum(c.passed for c in r.claims)}/{len(r.claims)} |"
        )
    out += [
        "",
        "## How strong the claims are",
        "",
        f"*Kind* says what the reference is ({kinds}). The first six are independent of the "
        "method under test. *From* says where the tolerance comes from (*statistical*: computed "
        "from the standard errors; *discretisation*; *paper*: the accuracy the paper states; "
        "*chosen*). *Null* is the naive prediction the claim must rule out. Flags: *does not "
        "discriminate* (the null passes the same test), *noise-limited* (the noise band is "
        "wider than the tolerance: the verdict is not yet significant), *fragile* (the verdict "
        "flipped when the chapter was rerun with other seeds, `effdyn check-seeds`).",
        "",
        "| chapter | by kind | independent | not discriminating | noise-limited "
        "| fragile (seeds checked) |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        claims = r.claims
        check = seed_checks.get(r.slug)
        if check is None:
            fragile_cell = "not checked"
        else:
            fragile_cell = f"{len(check.fragile)} ({len(check.seeds)} seeds)"
            if check.key != r.provenance.get("key"):
                fragile_cell += ", checked on an earlier version"
        out.append(
            f"| {r.slug} | {_kind_counts(claims)} | "
            f"{sum(c.kind in INDEPENDENT_KINDS for c in claims)} | "
            f"{sum(c.discriminates is False for c in claims)} | "
            f"{sum(c.noise_limited for c in claims)} | {fragile_cell} |"
        )
    out += ["", "## Every claim, by chapter", ""]
    for r in records:
        fragile_names = _fragile(seed_checks.get(r.slug))
        title = chapters[r.slug].title if r.slug in chapters else r.slug
        n_fail = sum(not c.passed for c in r.claims)
        link = (
            f"{{ref}}`the chapter's claims table <claims-{r.slug}>`"
            if claims_labels
            else f"{{doc}}`the chapter <chapters/{r.slug}>`"
        )
        out += [
            f"### {r.slug}",
            "",
            f"{_cell(title)}: {len(r.claims) - n_fail} of {len(r.claims)} pass "
            f"({r.profile} profile); failing claims first. Each claim is made in {link}.",
            "",
            "| result | claim | ours | reference | kind | source | tolerance (from) | null "
            "| flags |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for c in sorted(r.claims, key=lambda c: c.passed):  # stable: failing first
            result = "pass" if c.passed else "**FAIL**"
            flags = ", ".join(claim_flags(c, fragile_names))
            tol = c.tolerance + (f" ({c.tolerance_from})" if c.tolerance_from else "")
            null = (
                ""
                if c.null is None
                else f"{c.null:.4g}" + (f" ({_cell(c.null_name)})" if c.null_name else "")
            )
            out.append(
                f"| {result} | {_cell(c.name)} | {_fmt(c.value)} | {_fmt(c.reference)} | "
                f"{c.kind} | {_cell(c.source)} | {_cell(tol)} | {null} | "
                f"{'*' + flags + '*' if flags else ''} |"
            )
        out.append("")
    if missing:
        out += ["## Chapters without a current run", ""]
        out += [f"- **{slug}**: {_cell(why)}" for slug, why in missing.items()]
    return "\n".join(out) + "\n"
