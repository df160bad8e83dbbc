"""``effdyn sweep`` on a Dask LocalCluster, with the tiny fixture chapter (a few seconds a point).

The points of a sweep must give the same claims as the same points run one by one, a rerun must
run only what is missing or failed, bad input must fail before anything runs, and a worker that
dies must not lose the other points.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from test_compendium import make_checkout

from effdyn.compendium.chapters import CompendiumError
from effdyn.compendium.cli import main
from effdyn.compendium.runner import run_chapter
from effdyn.compendium.sweep import (
    SWEEP_FILE,
    parse_values,
    plan_sweep,
    run_sweep,
    store_sweep,
    stored_sweeps,
    sweep_is_current,
    sweep_report,
    sweeps_section,
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return make_checkout(tmp_path_factory.mktemp("sweep"), ("tiny",))


@pytest.fixture(scope="module")
def swept(checkout: Path):
    grid = {"n": [10, 20], "scale": [1.0, 2.0]}
    out = checkout / "sweeps" / "grid"
    return run_sweep("tiny", grid, profile="smoke", seeds=2, out=out, root=checkout,
                     workers=2, progress=False)  # fmt: skip


def _csv(folder: Path) -> list[dict[str, str]]:
    with open(folder / "sweep.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_point_runs_and_equals_a_single_run(swept, checkout: Path):
    assert swept.ok and len(swept.ran) == 8
    rows = _csv(swept.folder)
    assert [r["point"] for r in rows] == [f"point-{i:03d}" for i in range(8)]
    assert all(r["status"] == "ok" for r in rows)
    assert {(r["n"], r["scale"], r["seed"]) for r in rows} == {
        (n, s, seed) for n in ("10", "20") for s in ("1.0", "2.0") for seed in ("0", "1")
    }
    # a point run alone with `effdyn run` gives the same claims, value for value
    row = next(r for r in rows if (r["n"], r["scale"], r["seed"]) == ("20", "2.0", "1"))
    alone = run_chapter("tiny", "smoke", {"n": 20, "scale": 2.0, "seed": 1},
                        out_dir=checkout / "alone", root=checkout, progress=False)  # fmt: skip
    for c in alone.claims:
        assert float(row[f"{c.name} | value"]) == c.value
        assert row[f"{c.name} | passed"] == str(c.passed)
    assert float(row["sum of 0..n-1 | value"]) == 2.0 * 190
    spec = json.loads((swept.folder / SWEEP_FILE).read_text())
    assert spec["seeds"] == [0, 1] and len({p["key"] for p in spec["points"]}) == 8


def test_report_draws_each_claim(swept):
    summary = sweep_report(swept.folder)
    text = summary.read_text()
    assert "| sum of 0..n-1 | 4/4 | 4/4 |" in text
    assert "| a coin lands heads |" in text
    pngs = sorted(p.name for p in summary.parent.glob("*.png"))
    assert pngs == ["a-coin-lands-heads.png", "deliberately-off.png", "sum-of-0-n-1.png"]


def test_resume_reruns_only_the_failed_point(checkout: Path):
    out = checkout / "sweeps" / "resume"
    grid = {"fail": [False, True]}
    first = run_sweep("tiny", grid, profile="smoke", out=out, root=checkout, workers=2,
                      progress=False, retries=0)  # fmt: skip
    assert [o.status for o in first.outcomes] == ["done", "failed"]
    assert "asked to fail" in first.failed[0].error
    assert "FAILED point-001 (fail=True)" in first.summary()
    assert [r["status"] for r in _csv(out)] == ["ok", "failed"]
    # "fix" the chapter: the failing branch no longer raises; only point 1 is stale or failed
    chapter = checkout / "chapters" / "tiny.md"
    source = chapter.read_text()
    chapter.write_text(source.replace('raise RuntimeError("asked to fail")', "pass"))
    try:
        plan = plan_sweep("tiny", grid, "smoke", root=checkout)
        # the chapter changed, so point 0 is stale too: its key moved with the source
        assert plan.points[0].key != json.loads((out / SWEEP_FILE).read_text())["points"][0]["key"]
    finally:
        chapter.write_text(source)
    # with the source as it was, the kept point matches and only the failed one runs again
    again = run_sweep("tiny", grid, profile="smoke", out=out, root=checkout, workers=1,
                      progress=False, retries=0)  # fmt: skip
    assert [o.status for o in again.outcomes] == ["kept", "failed"]


def test_bad_input_fails_before_anything_runs(checkout: Path, capsys):
    with pytest.raises(CompendiumError, match="no chapter|unknown chapter|nope"):
        plan_sweep("nope", {"n": [1]}, root=checkout)
    with pytest.raises(CompendiumError, match="no parameter 'm'"):
        plan_sweep("tiny", {"m": [1, 2]}, root=checkout)
    with pytest.raises(CompendiumError, match=r"point 1 \(n='x'\)"):
        plan_sweep("tiny", {"n": [1, "x"]}, root=checkout)
    with pytest.raises(CompendiumError, match="no values"):
        parse_values("n", " ")
    assert parse_values("n", "10, 20,30") == [10, 20, 30]
    assert parse_values("start", "[[1, 2], [3, 4]]") == [[1, 2], [3, 4]]
    out = checkout / "sweeps" / "never"
    started = time.perf_counter()
    with pytest.raises(CompendiumError, match="no Dask scheduler reachable at 'tcp://127.0.0.1:9'"):
        run_sweep("tiny", {"n": [1]}, profile="smoke", out=out, root=checkout,
                  scheduler="tcp://127.0.0.1:9", connect_timeout=2, progress=False)  # fmt: skip
    assert time.perf_counter() - started < 30
    os.chdir(checkout)
    assert main(["sweep", "tiny", "-p", "n", ""]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0  # one line


def test_another_sweep_in_the_same_folder_is_refused(swept, checkout: Path):
    with pytest.raises(CompendiumError, match="holds another sweep"):
        run_sweep("tiny", {"n": [5]}, profile="smoke", out=swept.folder, root=checkout,
                  progress=False)  # fmt: skip


def test_a_worker_killed_mid_task_loses_no_point(checkout: Path):
    out = checkout / "sweeps" / "killed"
    killed: list[int] = []

    def kill_a_busy_worker():
        # the first point that starts (`effdyn run` in a child of a worker): kill its worker
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            for pid in _pids_running("effdyn.compendium.cli run tiny"):
                worker = _parent(pid)
                if worker and "spawn_main" in _cmdline(worker):
                    os.kill(worker, signal.SIGKILL)
                    killed.append(worker)
                    return
            time.sleep(0.1)

    thread = threading.Thread(target=kill_a_busy_worker, daemon=True)
    thread.start()
    result = run_sweep("tiny", {"n": [10, 20, 30]}, profile="smoke", out=out, root=checkout,
                       workers=2, progress=False)  # fmt: skip
    thread.join(timeout=5)
    assert killed, "the test found no worker to kill"
    assert [o.status for o in result.outcomes] == ["done", "done", "done"]
    assert all(r["status"] == "ok" for r in _csv(out))


def test_kept_sweeps_are_shown_and_go_stale(swept, checkout: Path):
    sweep_report(swept.folder)
    kept = store_sweep(swept.folder, "grid", checkout)
    assert kept == checkout / "book" / "stored" / "tiny" / "sweeps" / "grid"
    assert not list(kept.rglob("*.ipynb"))  # tables and figures only
    assert stored_sweeps("tiny", checkout) == [kept]
    assert sweep_is_current(kept, checkout)
    src = checkout / "staged"
    section = sweeps_section("tiny", src, checkout)
    assert section.startswith("## Parameter sweeps") and "stale" not in section
    assert "![sum of 0..n-1](sweeps/tiny/grid/sum-of-0-n-1.png)" in section
    assert (src / "sweeps" / "tiny" / "grid" / "sum-of-0-n-1.png").is_file()
    assert "effdyn sweep tiny --profile smoke -p n 10,20 -p scale 1.0,2.0 --seeds 2" in section
    chapter = checkout / "chapters" / "tiny.md"
    source = chapter.read_text()
    chapter.write_text(source + "\n<!-- edited -->\n")
    try:
        assert not sweep_is_current(kept, checkout)
        assert "**stale**" in sweeps_section("tiny", src, checkout)
    finally:
        chapter.write_text(source)
    with pytest.raises(CompendiumError, match="lowercase"):
        store_sweep(swept.folder, "Bad Name", checkout)


def _pids_running(needle: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and needle in _cmdline(int(entry.name)):
            pids.append(int(entry.name))
    return pids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])
