"""Shared pytest fixtures."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_torch_thread():
    """Run a test on one intra-op torch thread, then restore the previous setting.

    The library's tests use small tensors, for which torch's thread pool only adds contention
    (badly so on a shared 2-core machine); modules opt in with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
