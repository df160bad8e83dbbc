"""Seeding without side effects: library code never reseeds the caller's global generators."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])


def preserving_global_rng(method: F) -> F:
    """Run ``method`` on a fork of torch's global generators (CPU and CUDA).

    Learners seed torch's global generator to initialise their networks reproducibly; the
    fork restores the caller's generator state afterwards, so that a chapter's later random
    draws do not depend on which learners it fitted before.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with torch.random.fork_rng():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
