"""The ``effdyn`` command: list, run, store, build and score the compendium's chapters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from effdyn.compendium.chapters import CompendiumError, all_chapters, parse_cli_value


def _cmd_list(args: argparse.Namespace) -> int:
    from effdyn.compendium.selection import describe_available

    for chapter in all_chapters():
        print(f"{chapter.slug}  (part {chapter.part}, class {chapter.reproducibility_class})")
        print(f"  {chapter.title}")
        defaults = ", ".join(f"{k}={v!r}" for k, v in chapter.defaults.items())
        print(f"  parameters (ci defaults): {defaults}")
        for name, values in chapter.profiles.items():
            if name == "ci":
                continue
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "(defaults)"
            print(f"  profile {name}: {shown}")
        for line in describe_available(chapter):
            print(f"  {line}")
    return 0


def _overrides(pairs: list[list[str]] | None) -> dict:
    return {name: parse_cli_value(value) for name, value in (pairs or [])}


def _cmd_run(args: argparse.Namespace) -> int:
    from effdyn.compendium.runner import run_chapter
    from effdyn.compendium.runs import store_run

    result = run_chapter(
        args.slug,
        profile=args.profile,
        overrides=_overrides(args.param),
        out_dir=Path(args.out) if args.out else None,
        device=args.device,
        progress=not args.quiet,
    )
    print(result.summary())
    if not result.ok:
        print(f"the partial notebook is kept in {result.folder}", file=sys.stderr)
        return 1
    if args.store:
        print(f"stored in {store_run(result.folder)}")
    return 0


def _cmd_store(args: argparse.Namespace) -> int:
    from effdyn.compendium.runs import store_run

    print(f"stored in {store_run(Path(args.folder))}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from effdyn.compendium.book import build_book

    return build_book(
        profile=args.profile,
        budget_minutes=args.budget_minutes,
        only=args.only,
        html=not args.no_html,
        device=args.device,
        jobs=args.jobs,
        rebuild=args.rebuild,
        execute=not args.no_execute,
    )


def _cmd_check_seeds(args: argparse.Namespace) -> int:
    from effdyn.compendium.seeds import check_seeds

    fragile = 0
    for slug in args.slugs:
        print(
            f"{slug}: running the {args.profile} profile at {args.seeds + 1} seeds ...", flush=True
        )
        check = check_seeds(
            slug, profile=args.profile, n_seeds=args.seeds, jobs=args.jobs, device=args.device
        )
        print(check.table(), flush=True)
        fragile += len(check.fragile)
    print(f"{fragile} fragile claim(s) in {len(args.slugs)} chapter(s)")
    return 0


def _cmd_scorecard(args: argparse.Namespace) -> int:
    from effdyn.compendium.scorecard import scorecard_text
    from effdyn.compendium.seeds import read_seed_checks
    from effdyn.compendium.selection import select_shown

    shown = [s for s in (select_shown(c, args.profile) for c in all_chapters()) if s]
    checks = {s.record.slug: read_seed_checks(s.record.slug, args.profile) for s in shown}
    print(scorecard_text([s.record for s in shown], {k: v for k, v in checks.items() if v}))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from effdyn.compendium.sweep import parse_values, run_sweep, sweep_report

    grid = {name: parse_values(name, values) for name, values in (args.param or [])}
    result = run_sweep(
        args.slug,
        grid,
        profile=args.profile,
        seeds=args.seeds,
        out=Path(args.out) if args.out else None,
        scheduler=args.scheduler,
        workers=args.workers,
        device=args.device,
        progress=not args.quiet,
    )
    print(result.summary())
    print(f"table: {result.folder / 'sweep.csv'}")
    if not args.no_report:
        print(f"report: {sweep_report(result.folder)}")
    if args.store and result.ok:
        from effdyn.compendium.sweep import store_sweep

        print(f"stored in {store_sweep(result.folder, args.store)}")
    return 0 if result.ok else 1


def _cmd_sweep_report(args: argparse.Namespace) -> int:
    from effdyn.compendium.sweep import sweep_report, write_csv

    write_csv(Path(args.folder))
    print(f"report: {sweep_report(Path(args.folder))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="effdyn",
        description="Run and build the effdyn compendium (chapters under chapters/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="chapters, their profiles and parameters, and stored results")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="execute one chapter with a profile and optional overrides")
    p.add_argument("slug", help="the chapter, e.g. cbo (see `effdyn list`)")
    p.add_argument("--profile", default="ci", help="smoke, ci (default) or paper")
    p.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="override one parameter (repeatable); VALUE is read as a Python literal",
    )
    p.add_argument("--out", help="run folder (default book/_build/runs/SLUG/PROFILE)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when present")
    p.add_argument("--store", action="store_true", help="keep the run in book/stored/")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("store", help="keep a finished run folder in book/stored/")
    p.add_argument("folder", help="a run folder written by `effdyn run`")
    p.set_defaults(func=_cmd_store)

    p = sub.add_parser("build", help="run every chapter, then build the HTML book")
    p.add_argument("--profile", default="ci", help="the profile of fresh runs (default ci)")
    p.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        help="fail loudly if running chapters takes longer than this",
    )
    p.add_argument("--only", nargs="+", metavar="SLUG", help="run only these chapters")
    p.add_argument("--no-html", action="store_true", help="run chapters, skip jupyter-book")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when present")
    p.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="chapters executed at a time (default 2, one thread each)",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="ignore every kept run and execute all chapters (before a release, after upgrades)",
    )
    p.add_argument(
        "--no-execute",
        action="store_true",
        help="execute nothing: show kept runs, stale ones under a banner (exits non-zero if any)",
    )
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "check-seeds", help="rerun chapters with other seeds and report claims whose verdict flips"
    )
    p.add_argument("slugs", nargs="+", metavar="SLUG", help="the chapter(s)")
    p.add_argument("--profile", default="ci")
    p.add_argument("--seeds", type=int, default=3, help="how many other seeds (default 3)")
    p.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when present")
    p.set_defaults(func=_cmd_check_seeds)

    p = sub.add_parser(
        "sweep", help="run a chapter over a grid of parameter values on Dask (local or a cluster)"
    )
    p.add_argument("slug", help="the chapter, e.g. cbo (see `effdyn list`)")
    p.add_argument("--profile", default="ci", help="the profile the values override (default ci)")
    p.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "V1,V2,..."),
        help="a swept parameter and its comma-separated values (repeatable: Cartesian product)",
    )
    p.add_argument("--seeds", type=int, help="run every point at this many seeds")
    p.add_argument(
        "--scheduler",
        help="address of a running Dask scheduler, e.g. tcp://host:8786 (default "
        "$EFFDYN_SCHEDULER, else a local cluster)",
    )
    p.add_argument("--workers", type=int, help="local cluster: worker processes (default: cores)")
    p.add_argument("--out", help="sweep folder (default book/_build/sweeps/SLUG/PROFILE)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when present")
    p.add_argument("--no-report", action="store_true", help="skip the figures and summary")
    p.add_argument(
        "--store",
        metavar="NAME",
        help="keep the finished sweep in book/stored/SLUG/sweeps/NAME/ (shown on the chapter page)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("sweep-report", help="figures and a summary of a sweep folder")
    p.add_argument("folder", help="a folder written by `effdyn sweep`")
    p.set_defaults(func=_cmd_sweep_report)

    p = sub.add_parser("scorecard", help="print the table of all claims of the shown runs")
    p.add_argument("--profile", default="ci")
    p.set_defaults(func=_cmd_scorecard)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``effdyn`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CompendiumError as err:
        print(f"effdyn: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
