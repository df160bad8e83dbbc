"""Parameter sweeps of a chapter on Dask distributed: ``effdyn sweep``.

A sweep runs one chapter over the Cartesian product of parameter values (and seeds). Every point
is one ``effdyn run`` in a fresh process, submitted as a task to a Dask cluster: by default an
embedded :class:`distributed.LocalCluster` (one single-threaded worker process per core), or an
existing scheduler (``--scheduler tcp://host:8786`` or ``EFFDYN_SCHEDULER``) whose workers hold
the package and a checkout of the same commit (found at their ``EFFDYN_ROOT``, or at the path
the client sends). A worker runs its point in a private folder and sends the run's files back;
the client writes them under the sweep folder:

``sweep.json``
    the chapter, profile, grid, seeds, commit and every point's dependency key;
``points/point-NNN/``
    the run folder of each point (``.failed`` when the chapter raised);
``sweep.csv``
    one row per point: parameters, status, wall time, device and, per claim, value, reference
    and verdict.

Rerunning the same command skips the points whose run is complete and whose key still matches,
and runs the failed, missing and stale ones. :func:`sweep_report` draws every claim against the
swept parameter (mean and spread over seeds, the reference beside it) and writes a Markdown
summary that the book shows on the chapter's page for sweeps kept in
``book/stored/<slug>/sweeps/<name>/``.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from effdyn.compendium import provenance as prov
from effdyn.compendium.chapters import (
    Chapter,
    CompendiumError,
    find_chapter,
    parse_cli_value,
    repo_root,
)
from effdyn.compendium.claims import read_claims
from effdyn.compendium.dependencies import DependencyKey, dependency_key, parameters_hash
from effdyn.compendium.runs import CLAIMS_NAME, PROVENANCE_NAME, RunRecord, read_run, stored_dir

SWEEP_FILE = "sweep.json"
CSV_FILE = "sweep.csv"
POINTS_DIR = "points"
REPORT_DIR = "report"
SCHEDULER_ENV = "EFFDYN_SCHEDULER"
SWEEP_VERSION = 1

__all__ = [
    "SweepPoint",
    "SweepResult",
    "parse_values",
    "plan_sweep",
    "run_sweep",
    "store_sweep",
    "stored_sweeps",
    "sweep_report",
]


def parse_values(name: str, text: str) -> list[Any]:
    """The values of ``-p NAME v1,v2,...``: comma-separated Python literals (or strings).

    A bracketed literal (``[1, 2]``) is one value, a list. Raises :class:`CompendiumError` on an
    empty list.
    """
    text = text.strip()
    if not text:
        raise CompendiumError(f"-p {name}: no values given (write -p {name} v1,v2,...)")
    if text.startswith("[") or text.startswith("("):
        value = parse_cli_value(text)
        if isinstance(value, list | tuple) and all(isinstance(v, list | tuple) for v in value):
            values = list(value)  # [[1, 2], [3, 4]]: two list values
        else:
            values = [value]
    else:
        values = [parse_cli_value(part.strip()) for part in text.split(",")]
    if not values or any(v == "" for v in values):
        raise CompendiumError(f"-p {name}: empty value in {text!r}")
    return values


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: its overrides of the profile, and its dependency key."""

    index: int
    overrides: dict[str, Any]
    key: str

    @property
    def name(self) -> str:
        return f"point-{self.index:03d}"

    def label(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.overrides.items())


@dataclass
class SweepPlan:
    """A validated sweep: the chapter, the profile, the grid and every point."""

    chapter: Chapter
    profile: str
    grid: dict[str, list[Any]]
    seeds: list[int] | None
    points: list[SweepPoint]
    root: Path

    def spec(self) -> dict[str, Any]:
        return {
            "version": SWEEP_VERSION,
            "slug": self.chapter.slug,
            "profile": self.profile,
            "grid": self.grid,
            "seeds": self.seeds,
        }


def _point_key(base: DependencyKey, params: dict[str, Any]) -> str:
    return DependencyKey(base.parts | {"parameters": parameters_hash(params)}).value


def plan_sweep(
    slug: str,
    grid: dict[str, list[Any]],
    profile: str = "ci",
    seeds: int | None = None,
    root: Path | None = None,
) -> SweepPlan:
    """Validate a sweep and list its points, before anything runs.

    Parameters
    ----------
    slug : str
        The chapter.
    grid : dict
        Parameter name -> the values it takes; the sweep is their Cartesian product, in the
        order given.
    profile : str
        The profile the values override.
    seeds : int, optional
        Run every point at this many seeds: the profile's own ``seed`` and the next ones.

    Raises
    ------
    CompendiumError
        For an unknown chapter or profile, a parameter the chapter does not have, a value of the
        wrong type (naming the point), an empty value list, or seeds for a chapter without a
        ``seed`` parameter.
    """
    root = root or repo_root()
    chapter = find_chapter(slug, root)
    if not grid and not seeds:
        raise CompendiumError("a sweep needs at least one -p NAME v1,v2,... or --seeds N")
    for name, values in grid.items():
        if not values:
            raise CompendiumError(f"-p {name}: no values given")
    base_params = chapter.parameters(profile)
    seed_values: list[int] | None = None
    if seeds is not None:
        if seeds < 1:
            raise CompendiumError(f"--seeds must be at least 1, got {seeds}")
        if "seed" not in chapter.defaults:
            raise CompendiumError(f"chapter {slug!r} has no 'seed' parameter to sweep")
        if "seed" in grid:
            raise CompendiumError("give seeds either as -p seed ... or as --seeds N, not both")
        first = int(base_params["seed"])
        seed_values = list(range(first, first + seeds))
    axes = dict(grid) | ({"seed": seed_values} if seed_values else {})
    base = dependency_key(chapter.path, base_params)
    points = []
    for index, combo in enumerate(itertools.product(*axes.values())):
        overrides = dict(zip(axes, combo, strict=True))
        try:
            params = chapter.parameters(profile, overrides)
        except CompendiumError as err:
            label = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
            raise CompendiumError(f"point {index} ({label}): {err}") from None
        points.append(SweepPoint(index, overrides, _point_key(base, params)))
    return SweepPlan(chapter, profile, dict(grid), seed_values, points, root)


# -- the task a worker runs ---------------------------------------------------------------------


def run_point_task(
    slug: str,
    profile: str,
    overrides: dict[str, Any],
    root_hint: str,
    device: str | None = None,
) -> dict[str, Any]:
    """Run one point in a fresh process on this worker and return the run folder's files.

    The checkout is the worker's ``EFFDYN_ROOT`` when set, else ``root_hint`` (the client's).
    """
    from effdyn.compendium.runner import run_in_subprocess

    root = Path(os.environ.get("EFFDYN_ROOT") or root_hint)
    work = Path(tempfile.mkdtemp(prefix=f"effdyn-sweep-{slug}-"))
    try:
        folder = work / "run"
        log = run_in_subprocess(
            slug, profile, folder, root, device=device, single_thread=True, overrides=overrides
        )
        ok = folder.is_dir()
        found = folder if ok else folder.with_name("run.failed")
        files = {}
        if found.is_dir():
            files = {p.name: p.read_bytes() for p in found.iterdir() if p.is_file()}
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.is_file() else ""
        return {"ok": ok, "files": files, "log": tail, "host": os.uname().nodename}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the client ---------------------------------------------------------------------------------


@dataclass
class PointOutcome:
    """How one point ended: ``done`` (this sweep ran it), ``kept`` (an earlier run matched),
    ``failed`` (the chapter raised, the worker died too often, or the run is not this point's)."""

    point: SweepPoint
    status: str
    error: str | None = None
    wall_s: float | None = None


@dataclass
class SweepResult:
    """What :func:`run_sweep` did."""

    folder: Path
    outcomes: list[PointOutcome] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def failed(self) -> list[PointOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ran(self) -> list[PointOutcome]:
        return [o for o in self.outcomes if o.status == "done"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        kept = sum(o.status == "kept" for o in self.outcomes)
        lines = [
            f"sweep {self.folder}: {len(self.outcomes)} points, {len(self.ran)} ran, {kept} kept "
            f"from an earlier run, {len(self.failed)} failed ({self.wall_s:.0f} s)"
        ]
        lines += [f"FAILED {o.point.name} ({o.point.label()}): {o.error}" for o in self.failed]
        return "\n".join(lines)


def _point_folder(folder: Path, point: SweepPoint) -> Path:
    return folder / POINTS_DIR / point.name


def point_is_current(folder: Path, point: SweepPoint) -> bool:
    """Whether the sweep folder holds a complete, successful run of ``point`` with its key."""
    record = read_run(_point_folder(folder, point))
    return record is not None and record.ok and record.provenance.get("key") == point.key


def _write_spec(plan: SweepPlan, folder: Path) -> None:
    spec = plan.spec() | {
        "git_commit": prov.git_commit(plan.root),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "points": [{"name": p.name, "overrides": p.overrides, "key": p.key} for p in plan.points],
    }
    (folder / SWEEP_FILE).write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _check_same_sweep(plan: SweepPlan, folder: Path) -> None:
    path = folder / SWEEP_FILE
    if not path.is_file():
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    new = json.loads(json.dumps(plan.spec()))  # tuples as lists, as they were written
    if {k: old.get(k) for k in new} != new:
        raise CompendiumError(
            f"{folder} holds another sweep ({old.get('slug')} [{old.get('profile')}] over "
            f"{', '.join(old.get('grid') or {}) or 'seeds'}): choose another --out"
        )


def _record_outcome(folder: Path, point: SweepPoint, reply: dict[str, Any]) -> PointOutcome:
    target = _point_folder(folder, point)
    failed = target.with_name(target.name + ".failed")
    for stale in (target, failed):
        if stale.exists():
            shutil.rmtree(stale)
    destination = target if reply["ok"] else failed
    destination.mkdir(parents=True)
    for name, data in reply["files"].items():
        (destination / name).write_bytes(data)
    (destination / "run.log").write_text(reply.get("log", ""), encoding="utf-8")
    provenance = {}
    if (destination / PROVENANCE_NAME).is_file():
        provenance = json.loads((destination / PROVENANCE_NAME).read_text(encoding="utf-8"))
    wall = provenance.get("wall_time_s")
    if not reply["ok"]:
        error = provenance.get("error") or _last_line(reply.get("log", "")) or "the run failed"
        return PointOutcome(point, "failed", error, wall)
    if provenance.get("key") != point.key:
        shutil.rmtree(failed, ignore_errors=True)
        destination.rename(failed)
        return PointOutcome(
            point,
            "failed",
            f"the worker ran other sources (key {str(provenance.get('key'))[:12]} instead of "
            f"{point.key[:12]}): its checkout is not at this commit",
            wall,
        )
    return PointOutcome(point, "done", None, wall)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _client(scheduler: str | None, workers: int | None, connect_timeout: float):
    """A Dask client: to ``scheduler`` if given, else to a new local cluster (and the cluster)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=connect_timeout), None
        except (OSError, TimeoutError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise CompendiumError(
                f"no Dask scheduler reachable at {scheduler!r} within {connect_timeout:g} s "
                f"({reason})"
            ) from None
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise CompendiumError(f"--workers must be at least 1, got {workers}")
    single = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        env=single,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def run_sweep(
    slug: str,
    grid: dict[str, list[Any]],
    profile: str = "ci",
    seeds: int | None = None,
    out: Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    device: str | None = None,
    root: Path | None = None,
    progress: bool = True,
    retries: int = 1,
    connect_timeout: float = 5.0,
) -> SweepResult:
    """Run (or resume) a sweep and write its folder; see the module docstring.

    Parameters
    ----------
    slug, grid, profile, seeds
        As :func:`plan_sweep`; every point is validated before anything is submitted.
    out : Path, optional
        The sweep folder (default ``book/_build/sweeps/<slug>/<profile>``).
    scheduler : str, optional
        Address of a running Dask scheduler (default ``EFFDYN_SCHEDULER``, else a local cluster).
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    retries : int
        Extra attempts of a point whose task raised; a point whose worker died is resubmitted by
        Dask itself (``distributed.scheduler.allowed-failures``).
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    plan = plan_sweep(slug, grid, profile, seeds, root)
    folder = Path(out) if out else plan.root / "book" / "_build" / "sweeps" / slug / profile
    folder = folder.resolve()
    _check_same_sweep(plan, folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_spec(plan, folder)
    result = SweepResult(folder)
    todo = []
    for point in plan.points:
        if point_is_current(folder, point):
            result.outcomes.append(PointOutcome(point, "kept"))
        else:
            todo.append(point)
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if todo:
        _run_points(
            plan,
            todo,
            folder,
            result,
            scheduler,
            workers,
            device,
            retries,
            connect_timeout,
            progress,
            tqdm,
        )
    result.outcomes.sort(key=lambda o: o.point.index)
    write_csv(folder)
    result.wall_s = time.perf_counter() - started
    return result


def _run_points(plan, todo, folder, result, scheduler, workers, device, retries,
                connect_timeout, progress, tqdm) -> None:  # fmt: skip
    from distributed import as_completed

    client, cluster = _client(scheduler, workers, connect_timeout)
    try:
        link = getattr(client, "dashboard_link", None)
        where = (
            f"scheduler {scheduler}"
            if scheduler
            else (f"local cluster of {len(client.scheduler_info()['workers'])} workers")
        )
        print(f"sweep of {plan.chapter.slug} [{plan.profile}]: {len(todo)} points on {where}"
              + (f"; dashboard {link}" if link else ""), file=sys.stderr)  # fmt: skip
        futures = {}
        for point in todo:
            future = client.submit(
                run_point_task,
                plan.chapter.slug,
                plan.profile,
                point.overrides,
                str(plan.root),
                device,
                key=f"{plan.chapter.slug}-{point.name}-{point.key[:12]}",
                pure=False,
                retries=retries,
            )
            futures[future] = point
        bar = tqdm(total=len(todo), unit="point", disable=not progress, file=sys.stderr)
        failed = 0
        for future in as_completed(futures):
            point = futures[future]
            try:
                outcome = _record_outcome(folder, point, future.result())
            except Exception as err:  # noqa: BLE001 - a lost worker or task: that point only
                outcome = PointOutcome(point, "failed", f"{type(err).__name__}: {err}")
            failed += outcome.status == "failed"
            result.outcomes.append(outcome)
            bar.update()
            running = sum(1 for f in futures if f.status == "pending")
            bar.set_postfix(done=bar.n - failed, failed=failed, running=min(running, _n(client)))
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _n(client) -> int:
    try:
        return len(client.scheduler_info()["workers"])
    except Exception:  # noqa: BLE001 - only for the progress bar
        return 0


# -- results ------------------------------------------------------------------------------------


def _rows(folder: Path) -> tuple[list[str], list[dict[str, Any]]]:
    spec = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
    names = [*spec["grid"], *(["seed"] if spec.get("seeds") else [])]
    claim_names: list[str] = []
    rows = []
    for entry in spec["points"]:
        point = SweepPoint(int(entry["name"].split("-")[1]), entry["overrides"], entry["key"])
        row: dict[str, Any] = {"point": point.name, **point.overrides}
        target = _point_folder(folder, point)
        record = _read_point(target)
        if record is None and target.with_name(target.name + ".failed").is_dir():
            failed = target.with_name(target.name + ".failed")
            prov_path = failed / PROVENANCE_NAME
            error = ""
            if prov_path.is_file():
                error = json.loads(prov_path.read_text(encoding="utf-8")).get("error") or ""
            row |= {"status": "failed", "error": error}
        elif record is None:
            row |= {"status": "missing"}
        else:
            current = record.ok and record.provenance.get("key") == point.key
            row |= {
                "status": "ok" if current else "stale",
                "wall_s": record.provenance.get("wall_time_s"),
                "device": record.provenance.get("device"),
            }
            for c in record.claims:
                if c.name not in claim_names:
                    claim_names.append(c.name)
                row[f"{c.name} | value"] = c.value
                row[f"{c.name} | reference"] = c.reference
                row[f"{c.name} | passed"] = c.passed
        rows.append(row)
    columns = ["point", *names, "status", "error", "wall_s", "device"]
    for name in claim_names:
        columns += [f"{name} | value", f"{name} | reference", f"{name} | passed"]
    return columns, rows


def _read_point(folder: Path) -> RunRecord | None:
    """A point's run from its provenance and claims (a kept sweep holds no notebooks)."""
    path = folder / PROVENANCE_NAME
    if not path.is_file():
        return None
    claims_path = folder / CLAIMS_NAME
    claims = read_claims(claims_path) if claims_path.is_file() else []
    return RunRecord(folder, json.loads(path.read_text(encoding="utf-8")), claims)


def store_sweep(folder: Path, name: str, root: Path | None = None) -> Path:
    """Keep a finished sweep in ``book/stored/<slug>/sweeps/<name>/`` and return that folder.

    What is kept: ``sweep.json``, ``sweep.csv``, the report, and each point's ``claims.json``
    and ``provenance.json`` (not its notebook: the points can be rerun, the table is the
    result). Refused while a point is missing or failed.
    """
    folder = Path(folder)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise CompendiumError(f"a kept sweep's name is lowercase letters, digits and '-': {name!r}")
    spec = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
    _, rows = _rows(folder)
    bad = [r["point"] for r in rows if r.get("status") != "ok"]
    if bad:
        raise CompendiumError(f"the sweep has points that did not run: {', '.join(bad)}")
    if not (folder / REPORT_DIR / "summary.md").is_file():
        sweep_report(folder)
    target = stored_dir(root) / spec["slug"] / "sweeps" / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for item in (SWEEP_FILE, CSV_FILE):
        shutil.copy2(folder / item, target / item)
    shutil.copytree(folder / REPORT_DIR, target / REPORT_DIR)
    for entry in spec["points"]:
        point_dir = target / POINTS_DIR / entry["name"]
        point_dir.mkdir(parents=True)
        for item in (CLAIMS_NAME, PROVENANCE_NAME):
            shutil.copy2(folder / POINTS_DIR / entry["name"] / item, point_dir / item)
    return target


def write_csv(folder: Path) -> Path:
    """Write ``sweep.csv`` of a sweep folder (one row per point) and return its path."""
    columns, rows = _rows(Path(folder))
    path = Path(folder) / CSV_FILE
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict | tuple) else value


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "claim"


def sweep_report(folder: Path) -> Path:
    """Draw every claim of a sweep against the swept parameter and write ``report/summary.md``.

    The x-axis is the first swept parameter (numeric values on a linear axis, others as
    categories); a second swept parameter gives one line per value; seeds are averaged (mean and
    standard deviation as error bars). The reference is drawn beside our value. Returns the
    summary's path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from effdyn.plotting import use_book_style

    folder = Path(folder)
    if not (folder / SWEEP_FILE).is_file():
        raise CompendiumError(f"{folder} holds no sweep ({SWEEP_FILE} missing)")
    spec = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
    columns, rows = _rows(folder)
    axes_names = list(spec["grid"])
    report = folder / REPORT_DIR
    if report.exists():
        shutil.rmtree(report)
    report.mkdir()
    use_book_style()
    claim_names = [c[: -len(" | value")] for c in columns if c.endswith(" | value")]
    ok_rows = [r for r in rows if r.get("status") == "ok"]
    x_name = axes_names[0] if axes_names else "seed"
    line_name = axes_names[1] if len(axes_names) > 1 else None
    x_values = _unique(r[x_name] for r in rows)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in x_values)
    lines = [
        f"Sweep of `{spec['slug']}` (profile `{spec['profile']}`) over "
        + ", ".join(
            f"`{k}` ∈ {{{', '.join(repr(v) for v in vals)}}}" for k, vals in spec["grid"].items()
        )  # fmt: skip
        + (f", seeds {spec['seeds']}" if spec.get("seeds") else "")
        + f"; {len(ok_rows)} of {len(rows)} points ran "
        + f"(commit {str(spec.get('git_commit') or 'unknown')[:10]}, {spec.get('created', '')}).",
        "",
        "| claim | " + " | ".join(_table_text(f"{x_name}={v!r}") for v in x_values) + " |",
        "|---|" + "---|" * len(x_values),
    ]
    figures = []
    for name in claim_names:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
        groups = _unique(r.get(line_name) for r in ok_rows) if line_name else [None]
        cells = []
        for group in groups:
            xs, means, spreads, refs = [], [], [], []
            for xi, x in enumerate(x_values):
                chosen = [
                    r for r in ok_rows
                    if r[x_name] == x and (line_name is None or r.get(line_name) == group)
                    and isinstance(r.get(f"{name} | value"), int | float)
                ]  # fmt: skip
                if not chosen:
                    continue
                values = [float(r[f"{name} | value"]) for r in chosen]
                ref = chosen[0].get(f"{name} | reference")
                xs.append(x if numeric else xi)
                means.append(sum(values) / len(values))
                spreads.append(_std(values))
                refs.append(float(ref) if isinstance(ref, int | float) else math.nan)
            label = f"{line_name}={group!r}" if line_name else "ours"
            ax.errorbar(xs, means, yerr=spreads, marker="o", capsize=3, label=label)
            if any(not math.isnan(r) for r in refs):
                ax.plot(xs, refs, ls="--", color="0.4", label="reference" if group == groups[0]
                        else None)  # fmt: skip
        for x in x_values:
            chosen = [r for r in ok_rows if r[x_name] == x and f"{name} | passed" in r]
            passed = sum(bool(r[f"{name} | passed"]) for r in chosen)
            cells.append(f"{passed}/{len(chosen)}" if chosen else "–")
        lines.append(f"| {_table_text(name)} | " + " | ".join(cells) + " |")
        if not numeric:
            ax.set_xticks(range(len(x_values)), [repr(v) for v in x_values])
        ax.set_xlabel(x_name)
        ax.set_ylabel("value of the claim")
        title = textwrap.wrap(name, 60)
        ax.set_title("\n".join(title[:2]) + (" ..." if len(title) > 2 else ""), fontsize=9)
        ax.legend(fontsize=8)
        png = report / f"{_slugify(name)}.png"
        fig.savefig(png, dpi=110, bbox_inches="tight")
        plt.close(fig)
        figures.append((name, png.name))
    lines += ["", "Cells: claims passing / points run at that value (all seeds, all lines).", ""]
    failed = [r for r in rows if r.get("status") != "ok"]
    for r in failed:
        lines.append(f"- {r['point']} ({r.get('status')}): {r.get('error') or ''}".rstrip(": "))
    for name, png in figures:
        lines += ["", f"![{name}]({png})"]
    summary = report / "summary.md"
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


def _table_text(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped (claim names hold |x| often)."""
    return text.replace("|", "\\|")


def _unique(values) -> list[Any]:
    seen: list[Any] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def stored_sweeps(slug: str, root: Path | None = None) -> list[Path]:
    """The sweep folders kept for a chapter under ``book/stored/<slug>/sweeps/``."""
    base = stored_dir(root) / slug / "sweeps"
    return sorted(p for p in base.glob("*") if (p / SWEEP_FILE).is_file()) if base.is_dir() else []


def sweep_is_current(folder: Path, root: Path | None = None) -> bool:
    """Whether every point of a kept sweep still has the key its sources give now."""
    spec = json.loads((Path(folder) / SWEEP_FILE).read_text(encoding="utf-8"))
    try:
        plan = plan_sweep(spec["slug"], spec["grid"], spec["profile"],
                          len(spec["seeds"]) if spec.get("seeds") else None, root)  # fmt: skip
    except CompendiumError:
        return False
    keys = {p["name"]: p["key"] for p in spec["points"]}
    return all(keys.get(p.name) == p.key for p in plan.points) and len(keys) == len(plan.points)


SWEEPS_TAG = "effdyn-sweeps"


def sweeps_section(slug: str, src_chapters: Path, root: Path | None = None) -> str | None:
    """The Markdown of a chapter page's "Parameter sweeps" section, copying the figures.

    Every sweep kept under ``book/stored/<slug>/sweeps/<name>/`` with a report is shown; its
    figures are copied next to the staged page (``src_chapters/sweeps/<slug>/<name>/``). A sweep
    whose points' keys no longer match the sources is shown under a *stale* banner. Returns
    ``None`` when the chapter has no kept sweep.
    """
    parts = []
    for folder in stored_sweeps(slug, root):
        summary = folder / REPORT_DIR / "summary.md"
        if not summary.is_file():
            continue
        target = src_chapters / "sweeps" / slug / folder.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder / REPORT_DIR, target)
        prefix = f"sweeps/{slug}/{folder.name}/"
        text = re.sub(r"!\[([^\]]*)\]\(([^)/]+\.png)\)", rf"![\1]({prefix}\2)", summary.read_text())
        current = sweep_is_current(folder, root)
        banner = (
            ""
            if current
            else "```{warning}\nThis sweep is **stale**: the chapter or a module it imports "
            "changed since it ran. Rerun it with the command below.\n```\n\n"
        )
        spec = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
        command = (
            f"effdyn sweep {slug} --profile {spec['profile']}"
            + "".join(
                f" -p {k} {','.join(repr(v) for v in vals)}" for k, vals in spec["grid"].items()
            )
            + (f" --seeds {len(spec['seeds'])}" if spec.get("seeds") else "")
        )
        parts.append(
            f"### Sweep `{folder.name}`\n\n{banner}{text}\n\nRerun: `{command}` "
            f"(kept in `book/stored/{slug}/sweeps/{folder.name}/`, with `sweep.csv`).\n"
        )
    if not parts:
        return None
    return "## Parameter sweeps\n\n" + "\n".join(parts)
