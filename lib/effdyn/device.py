"""Picking the torch device and dtype that library code and chapters run on."""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "EFFDYN_DEVICE"


def chapter_device() -> torch.device:
    """Return the device a chapter should run on.

    The compendium runner sets ``EFFDYN_DEVICE`` (``cpu`` or ``cuda``) from ``effdyn run
    --device``; without it, CUDA is used when present and the CPU otherwise.

    Raises
    ------
    RuntimeError
        If CUDA is requested but not available.
    """
    requested = os.environ.get(DEVICE_ENV, "").strip().lower()
    if requested in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"{DEVICE_ENV}={requested!r} but CUDA is not available on this machine")
    return device


def full_precision() -> None:
    """Turn off TF32 matmuls so that training on Ampere/Hopper GPUs runs in true float32."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
