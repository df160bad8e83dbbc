"""Run records on disk: an executed notebook, its ``claims.json`` and its ``provenance.json``.

One folder holds one run. Fresh runs go to ``book/_build/runs/<slug>/<profile>/``; runs kept in
the repository (for instance a ``paper`` run made on a GPU) live in
``book/stored/<slug>/<profile>/``, put there by ``effdyn store`` or ``effdyn run --store``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from effdyn.compendium.chapters import CompendiumError, repo_root
from effdyn.compendium.claims import Claim, read_claims
from effdyn.compendium.shrink import shrink_notebook

CLAIMS_NAME = "claims.json"
PROVENANCE_NAME = "provenance.json"


def notebook_name(slug: str) -> str:
    return f"{slug}.ipynb"


def runs_dir(root: Path | None = None) -> Path:
    """Where fresh runs go (ignored by git)."""
    return (root or repo_root()) / "book" / "_build" / "runs"


def stored_dir(root: Path | None = None) -> Path:
    """Where kept runs live (committed)."""
    return (root or repo_root()) / "book" / "stored"


@dataclass
class RunRecord:
    """A run folder read back from disk."""

    folder: Path
    provenance: dict[str, Any]
    claims: list[Claim]

    @property
    def slug(self) -> str:
        return str(self.provenance["slug"])

    @property
    def profile(self) -> str:
        return str(self.provenance["profile"])

    @property
    def ok(self) -> bool:
        return bool(self.provenance.get("ok"))

    @property
    def notebook(self) -> Path:
        return self.folder / notebook_name(self.slug)


def read_run(folder: Path) -> RunRecord | None:
    """Read a run folder, or return ``None`` when it holds no complete run."""
    prov_path = folder / PROVENANCE_NAME
    if not prov_path.is_file():
        return None
    provenance = json.loads(prov_path.read_text(encoding="utf-8"))
    claims_path = folder / CLAIMS_NAME
    claims = read_claims(claims_path) if claims_path.is_file() else []
    record = RunRecord(folder=folder, provenance=provenance, claims=claims)
    return record if record.notebook.is_file() else None


def replace_folder(source: Path, destination: Path) -> None:
    """Move ``source`` to ``destination``, replacing it only once the move can succeed."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    old = destination.with_name(destination.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if destination.exists():
        destination.rename(old)
    source.rename(destination)
    if old.exists():
        shutil.rmtree(old)


def store_run(folder: Path, root: Path | None = None) -> Path:
    """Keep a successful run in ``book/stored/<slug>/<profile>/`` and return that folder.

    The stored notebook is shrunk (palette PNG figures, long text outputs clipped).

    Raises
    ------
    CompendiumError
        If the folder holds no run, or a failed one.
    """
    record = read_run(folder)
    if record is None:
        raise CompendiumError(f"{folder} holds no run (no {PROVENANCE_NAME} and notebook)")
    if not record.ok:
        raise CompendiumError(f"{folder} holds a failed run; only successful runs are stored")
    destination = stored_dir(root) / record.slug / record.profile
    staging = destination.with_name(destination.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for name in (notebook_name(record.slug), CLAIMS_NAME, PROVENANCE_NAME):
        shutil.copy2(folder / name, staging / name)
    shrink_notebook(staging / notebook_name(record.slug))
    replace_folder(staging, destination)
    return destination
