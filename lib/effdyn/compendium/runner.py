"""Running one chapter: jupytext -> papermill with a profile's parameters -> run folder.

The run happens in a temporary folder beside the destination. Only a successful run replaces
the destination; a failed one goes to ``<destination>.failed`` with its partial notebook, so an
earlier good result is never overwritten by a failed one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from effdyn.compendium import provenance as prov
from effdyn.compendium.chapters import Chapter, CompendiumError, find_chapter, repo_root
from effdyn.compendium.claims import (
    CHAPTER_ENV,
    CLAIMS_FILE_ENV,
    PROFILE_ENV,
    Claim,
    read_claims,
    to_json,
)
from effdyn.compendium.dependencies import dependency_key
from effdyn.compendium.runs import (
    CLAIMS_NAME,
    PROVENANCE_NAME,
    notebook_name,
    replace_folder,
    runs_dir,
)
from effdyn.device import DEVICE_ENV

PROVENANCE_TAG = "effdyn-provenance"


@dataclass
class RunResult:
    """What :func:`run_chapter` did."""

    slug: str
    profile: str
    folder: Path
    ok: bool
    provenance: dict[str, Any]
    claims: list[Claim] = field(default_factory=list)
    error: str | None = None

    @property
    def notebook(self) -> Path:
        return self.folder / notebook_name(self.slug)

    def summary(self) -> str:
        """A few lines for the terminal: verdict, claims, where the results are."""
        passed = sum(c.passed for c in self.claims)
        head = "ok" if self.ok else "FAILED"
        lines = [
            f"{self.slug} [{self.profile}] {head} in {self.provenance['wall_time_s']:.1f} s: "
            f"{passed}/{len(self.claims)} claims pass"
        ]
        lines += [f"  {c.line()}" for c in self.claims]
        if self.error:
            lines.append(f"  error: {self.error}")
        lines.append(f"  results: {self.folder}")
        return "\n".join(lines)


def resolve_device(device: str | None) -> str:
    """``cpu``/``cuda`` as asked, or the best available when ``None``/``auto``.

    Raises
    ------
    CompendiumError
        For an unknown device or CUDA requested without a GPU.
    """
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise CompendiumError(f"unknown device {device!r}; expected cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise CompendiumError("--device cuda was asked for but CUDA is not available here")
    return device


@contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def provenance_markdown(provenance: dict[str, Any]) -> str:
    """The provenance box shown at the top of an executed chapter."""
    params = ", ".join(f"`{k}={v!r}`" for k, v in provenance["parameters"].items()) or "none"
    overrides = provenance.get("overrides") or {}
    changed = ", ".join(f"`{k}`" for k in overrides) or "none"
    status = "completed" if provenance["ok"] else "**FAILED**: " + str(provenance.get("error"))
    versions = provenance["versions"]
    return (
        "```{admonition} Provenance of this run\n"
        ":class: note\n"
        f"Profile **{provenance['profile']}** on {provenance['device_description']}; "
        f"torch {versions['torch']}, Python {versions['python']}, effdyn {versions['effdyn']}; "
        f"commit `{provenance['git_commit'][:12]}`.\n"
        f"Ran {provenance['started']} in {provenance['wall_time_s']:.0f} s: {status}. "
        f"Claims: {provenance['n_passed']}/{provenance['n_claims']} pass.\n\n"
        f"Parameters: {params} (changed on the command line: {changed}).\n\n"
        f"Hashes: chapter `{provenance['chapter_hash'][:12]}`, "
        f"library `{provenance['library_hash'][:12]}`, "
        f"parameters `{provenance['parameters_hash'][:12]}`; dependency key "
        f"`{str(provenance.get('key', ''))[:12]}` "
        f"({len(provenance.get('key_parts', {}).get('modules', {}))} library modules).\n"
        "```"
    )


def insert_markdown_cell(notebook_path: Path, text: str, tag: str, position: int = 1) -> None:
    """Insert (or replace) a tagged markdown cell in an executed notebook."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    nb.cells = [c for c in nb.cells if tag not in c.get("metadata", {}).get("tags", [])]
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [tag]
    nb.cells.insert(min(position, len(nb.cells)), cell)
    nbformat.write(nb, notebook_path)


def _describe_failure(err: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        where = f"cell {err.cell_index} (execution {err.exec_count})"
        return f"{where} raised {err.ename}: {err.evalue}"
    return f"{type(err).__name__}: {err}"


def run_chapter(
    slug: str | Chapter,
    profile: str = "ci",
    overrides: dict[str, Any] | None = None,
    out_dir: Path | None = None,
    device: str | None = None,
    root: Path | None = None,
    progress: bool = True,
    cell_timeout: int | None = None,
) -> RunResult:
    """Execute one chapter with a profile's parameters and write its run folder.

    Parameters
    ----------
    slug : str or Chapter
        The chapter (``chapters/<slug>.md``).
    profile : str
        ``smoke``, ``ci`` or ``paper`` (or another profile the chapter declares).
    overrides : dict, optional
        Parameter values that replace the profile's; names and types are validated.
    out_dir : Path, optional
        The run folder (default ``book/_build/runs/<slug>/<profile>``).
    device : {"cpu", "cuda", None}
        Device the chapter runs on (``None``: CUDA when present).
    progress : bool
        Show papermill's progress bar over cells.
    cell_timeout : int, optional
        Seconds any one cell may run.

    Returns
    -------
    RunResult
        ``ok`` is false when a cell raised; the partial notebook is then in
        ``<out_dir>.failed`` and ``out_dir`` is untouched.

    Raises
    ------
    CompendiumError
        Before anything runs, for an unknown chapter, profile, parameter, type or device.
    """
    import jupytext
    import papermill

    root = root or repo_root()
    chapter = slug if isinstance(slug, Chapter) else find_chapter(slug, root)
    params = chapter.parameters(profile, overrides)
    device_name = resolve_device(device)
    key = dependency_key(chapter.path, params)  # the sources as they are when the run starts
    out_dir = Path(out_dir) if out_dir else runs_dir(root) / chapter.slug / profile
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{chapter.slug}-{profile}-", dir=out_dir.parent))
    claims_file = work / "claims.jsonl"
    claims_file.touch()
    source_nb = work / "source.ipynb"
    jupytext.write(jupytext.read(chapter.path), source_nb)
    executed = work / notebook_name(chapter.slug)

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    error: str | None = None
    env = {
        CLAIMS_FILE_ENV: str(claims_file),
        CHAPTER_ENV: chapter.slug,
        PROFILE_ENV: profile,
        DEVICE_ENV: device_name,
        "EFFDYN_ROOT": str(root),
    }
    with _environment(env):
        try:
            papermill.execute_notebook(
                str(source_nb),
                str(executed),
                parameters=params,
                kernel_name="python3",
                cwd=str(work),
                progress_bar=progress,
                execution_timeout=cell_timeout,
                # the kernel's start-up warnings (e.g. about TCP transport) are noise here
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except Exception as err:  # noqa: BLE001 - any failure of the chapter is reported
            error = _describe_failure(err)
    wall = time.perf_counter() - t0
    source_nb.unlink()

    claims = read_claims(claims_file)
    claims_file.unlink()
    (work / CLAIMS_NAME).write_text(
        json.dumps([to_json(c) for c in claims], indent=1), encoding="utf-8"
    )
    provenance = {
        "slug": chapter.slug,
        "profile": profile,
        "parameters": params,
        "overrides": dict(overrides or {}),
        "device": device_name,
        "device_description": prov.device_description(device_name),
        "versions": prov.environment_versions(),
        "git_commit": prov.git_commit(root),
        "chapter_hash": prov.chapter_hash(chapter.path),
        "library_hash": prov.library_hash(),
        "parameters_hash": prov.parameters_hash(params),
        "key": key.value,
        "key_parts": key.parts,
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall, 2),
        "ok": error is None,
        "error": error,
        "n_claims": len(claims),
        "n_passed": sum(c.passed for c in claims),
    }
    (work / PROVENANCE_NAME).write_text(json.dumps(provenance, indent=1), encoding="utf-8")
    if executed.is_file():
        insert_markdown_cell(executed, provenance_markdown(provenance), PROVENANCE_TAG)

    destination = out_dir if error is None else out_dir.with_name(out_dir.name + ".failed")
    if error is None:
        failed = out_dir.with_name(out_dir.name + ".failed")
        if failed.exists():
            shutil.rmtree(failed)
    replace_folder(work, destination)
    return RunResult(
        slug=chapter.slug,
        profile=profile,
        folder=destination,
        ok=error is None,
        provenance=provenance,
        claims=claims,
        error=error,
    )


#: Environment that keeps a chapter's kernel on one thread (when chapters run side by side).
SINGLE_THREAD_ENV = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
}


def run_in_subprocess(
    slug: str,
    profile: str,
    out_dir: Path,
    root: Path,
    device: str | None = None,
    single_thread: bool = False,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Run one chapter through ``effdyn run`` in a fresh process and return its log file.

    The run folder is ``out_dir`` on success and ``<out_dir>.failed`` otherwise (see
    :func:`run_chapter`); an earlier run left in ``out_dir`` is removed first, so that what is
    there afterwards is this run's. The log (``<out_dir>.log``) holds the command's output.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    log = out_dir.with_name(out_dir.name + ".log")
    command = [sys.executable, "-m", "effdyn.compendium.cli", "run", slug, "--profile", profile]
    command += ["--out", str(out_dir), "--quiet"]
    if device:
        command += ["--device", device]
    for name, value in (overrides or {}).items():
        command += ["-p", name, repr(value)]
    env = os.environ | {"EFFDYN_ROOT": str(root)} | (SINGLE_THREAD_ENV if single_thread else {})
    with open(log, "w", encoding="utf-8") as fh:
        subprocess.run(command, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False)
    return log
