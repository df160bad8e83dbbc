"""Provenance of a chapter run: input hashes, code version, device, timing.

The hashes recorded here describe a run; whether a kept run may be reused is decided by its
dependency key (:mod:`effdyn.compendium.dependencies`, built on these hashes), and a stored
``paper`` result is shown only while the chapter source is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import effdyn


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    """Hash of one file's bytes."""
    return sha256_bytes(path.read_bytes())


def chapter_hash(path: Path) -> str:
    """Hash of a chapter source file."""
    return file_hash(path)


def library_hash(package_dir: Path | None = None) -> str:
    """Hash of every Python source of the ``effdyn`` package (paths and contents)."""
    package_dir = package_dir or Path(effdyn.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def parameters_hash(params: dict[str, Any]) -> str:
    """Hash of a parameter set (order-independent)."""
    return sha256_bytes(json.dumps(params, sort_keys=True, default=str).encode())


def git_commit(root: Path) -> str:
    """The checkout's commit, with ``+dirty`` when the working tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def device_description(device: str) -> str:
    """A human description of the device a run used."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({platform.processor() or platform.machine()})"


def environment_versions() -> dict[str, str]:
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "effdyn": effdyn.__version__,
        "platform": platform.platform(),
    }


def inputs_match(provenance: dict[str, Any], expected: dict[str, str], keys: tuple) -> bool:
    """Whether ``provenance`` has the ``expected`` value for each of ``keys``."""
    return all(provenance.get(k) == expected.get(k) for k in keys)
