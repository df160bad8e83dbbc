"""Seed robustness: rerun a chapter with other seeds and find the claims whose verdict flips.

A claim that passes at one seed and fails at the next is *fragile*: its verdict says more about
the draw than about the method. ``effdyn check-seeds SLUG --seeds 3`` runs the profile at the
chapter's own seed and at the next ``n`` seeds, and keeps the verdicts of every claim in
``book/stored/<slug>/seeds-<profile>.json`` (commit it). The scorecard marks the claims that
flipped in the last check, and says when the chapter has changed since the check was made.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from effdyn.compendium.chapters import CompendiumError, find_chapter, repo_root
from effdyn.compendium.claims import Claim
from effdyn.compendium.runner import run_in_subprocess
from effdyn.compendium.runs import read_run, runs_dir, stored_dir
from effdyn.compendium.selection import current_key, reusable_run

SEED_PARAMETER = "seed"


def seed_check_path(slug: str, profile: str, root: Path | None = None) -> Path:
    """Where the last seed check of a chapter's profile is kept."""
    return stored_dir(root) / slug / f"seeds-{profile}.json"


@dataclass
class SeedCheck:
    """The verdicts of every claim of one chapter at several seeds.

    Attributes
    ----------
    seeds : list of int
        The seeds, the chapter's own first.
    verdicts : dict
        Claim name -> one entry per seed: ``True`` (pass), ``False`` (fail) or ``None`` (the run
        did not make that claim, or failed before it).
    values : dict
        Claim name -> our value at each seed (``None`` where absent).
    key : str
        The dependency key of the chapter's own run when the check was made.
    """

    slug: str
    profile: str
    seeds: list[int]
    verdicts: dict[str, list[bool | None]]
    values: dict[str, list[float | None]]
    key: str
    started: str
    errors: dict[str, str]

    @property
    def fragile(self) -> list[str]:
        """Claims whose verdict is not the same at every seed (absent counts as different)."""
        return [name for name, v in self.verdicts.items() if len(set(v)) > 1]

    def table(self) -> str:
        """A plain-text table of the verdicts, fragile claims marked."""
        width = max([len("claim"), *(len(n) for n in self.verdicts)])
        head = "  ".join(f"seed {s}" for s in self.seeds)
        lines = [f"{'claim'.ljust(width)}  {head}", f"{'-' * width}  {'-' * len(head)}"]
        mark = {True: "pass", False: "FAIL", None: "-"}
        for name, verdicts in self.verdicts.items():
            cells = "  ".join(
                mark[v].ljust(len(f"seed {s}")) for v, s in zip(verdicts, self.seeds, strict=True)
            )
            flag = "  <- fragile" if name in self.fragile else ""
            lines.append(f"{name.ljust(width)}  {cells}{flag}")
        lines.append(
            f"{self.slug} [{self.profile}]: {len(self.fragile)} of {len(self.verdicts)} claims "
            f"flip over seeds {self.seeds}"
        )
        for seed, error in self.errors.items():
            lines.append(f"  seed {seed} failed: {error}")
        return "\n".join(lines)


def read_seed_checks(slug: str, profile: str = "ci", root: Path | None = None) -> SeedCheck | None:
    """The last seed check kept for a chapter's profile, or ``None``."""
    path = seed_check_path(slug, profile, root)
    if not path.is_file():
        return None
    return SeedCheck(**json.loads(path.read_text(encoding="utf-8")))


def _verdicts(
    runs: list[list[Claim] | None],
) -> tuple[dict[str, list[bool | None]], dict[str, list[float | None]]]:
    names: list[str] = []
    for claims in runs:
        for c in claims or []:
            if c.name not in names:
                names.append(c.name)
    verdicts: dict[str, list[bool | None]] = {}
    values: dict[str, list[float | None]] = {}
    for name in names:
        verdicts[name], values[name] = [], []
        for claims in runs:
            found = [c for c in claims or [] if c.name == name]
            verdicts[name].append(found[0].passed if found else None)
            values[name].append(found[0].value if found else None)
    return verdicts, values


def check_seeds(
    slug: str,
    profile: str = "ci",
    n_seeds: int = 3,
    jobs: int = 2,
    device: str | None = None,
    root: Path | None = None,
    keep: bool = True,
) -> SeedCheck:
    """Run ``profile`` of a chapter at its own seed and ``n_seeds`` more; compare the verdicts.

    The chapter's own run is reused when a kept run matches its key. The other seeds run
    ``jobs`` at a time (one thread each when ``jobs > 1``).

    Raises
    ------
    CompendiumError
        If the chapter has no ``seed`` parameter, or ``n_seeds < 1``.
    """
    root = root or repo_root()
    chapter = find_chapter(slug, root)
    if SEED_PARAMETER not in chapter.defaults:
        raise CompendiumError(f"chapter {slug!r} has no {SEED_PARAMETER!r} parameter")
    if n_seeds < 1:
        raise CompendiumError("--seeds must be at least 1")
    key = current_key(chapter, profile)
    base = int(chapter.parameters(profile)[SEED_PARAMETER])
    seeds = [base + i for i in range(n_seeds + 1)]
    folder = runs_dir(root) / slug / f"seeds-{profile}"
    base_record = reusable_run(chapter, profile, root, key)

    def run(seed: int):
        if seed == base and base_record is not None:
            return seed, base_record, None
        # the chapter's own seed is its plain profile run: kept where the book build finds it
        out = runs_dir(root) / slug / profile if seed == base else folder / f"seed-{seed}"
        overrides = {} if seed == base else {SEED_PARAMETER: seed}
        log = run_in_subprocess(slug, profile, out, root, device, jobs > 1, overrides)
        record = read_run(out)
        if record is not None:
            return seed, record, None
        failed = read_run(out.with_name(out.name + ".failed"))
        error = (failed.provenance.get("error") if failed else None) or f"no record (log {log})"
        return seed, failed, str(error)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run, seeds))  # map keeps the order of the seeds
    verdicts, values = _verdicts([r[1].claims if r[1] else None for r in results])
    check = SeedCheck(
        slug=slug,
        profile=profile,
        seeds=seeds,
        verdicts=verdicts,
        values=values,
        key=key.value,
        started=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        errors={str(seed): error for seed, _, error in results if error},
    )
    if keep:
        path = seed_check_path(slug, profile, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(check), indent=1), encoding="utf-8")
    return check
