"""Teacher-student data for binary perceptrons, with a correlated second teacher.

Li, Huang, Zou and Huang (2023): a binary teacher ``w* in {-1, 1}^N`` labels binary patterns
``x in {-1, 1}^N`` by ``y = sign(w* . x / sqrt N)``; the second task's teacher copies the first
and flips each bit independently with probability ``(1 - r0) / 2``, so that its overlap with the
first has mean ``r0`` and standard deviation ``sqrt((1 - r0^2) / N)``. Everything is batched over
independent instances (leading axis) and created on the requested device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def _check_positive_int(value: int, name: str) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _random_signs(
    shape: tuple[int, ...], generator: torch.Generator, device, dtype
) -> torch.Tensor:
    bits = torch.randint(0, 2, shape, generator=generator, device=device)
    return (2 * bits - 1).to(dtype)


def perceptron_labels(teacher: torch.Tensor, patterns: torch.Tensor) -> torch.Tensor:
    """Labels ``sign(w* . x)`` of patterns ``(..., P, N)`` by teachers ``(..., N)`` (ties: +1)."""
    field = torch.einsum("...pn,...n->...p", patterns, teacher)
    return torch.where(field >= 0, 1.0, -1.0).to(patterns.dtype)


def generalisation_error(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """``arccos(R) / pi`` with ``R = sign(student) . teacher / N`` per instance (last axis)."""
    bits = torch.where(student >= 0, 1.0, -1.0).to(teacher.dtype)
    overlap = (bits * teacher).mean(-1).clamp(-1.0, 1.0)
    return torch.arccos(overlap) / math.pi


def correlated_teacher(
    teacher: torch.Tensor, r0: float, generator: torch.Generator
) -> torch.Tensor:
    """A teacher whose bits equal ``teacher``'s except a fraction ``(1 - r0)/2`` flipped at random.

    Parameters
    ----------
    teacher : torch.Tensor
        Binary teachers of shape ``(..., N)``.
    r0 : float
        Mean overlap with ``teacher``, in ``[-1, 1]``.
    generator : torch.Generator
        Random source on the teacher's device.
    """
    r0 = float(r0)
    if not -1 <= r0 <= 1:
        raise ValueError(f"r0 must lie in [-1, 1], got {r0!r}")
    flip = torch.rand(teacher.shape, generator=generator, device=teacher.device) < (1 - r0) / 2
    return torch.where(flip, -teacher, teacher)


@dataclass
class TeacherStudent:
    """A batch of teacher-student problems: teachers, training patterns and labels, test set.

    Parameters
    ----------
    n_inputs : int
        Number of inputs ``N``.
    alpha : float
        Load: ``P = round(alpha N)`` training patterns per instance.
    seed : int
        Seed of the generator (on ``device``).
    n_instances : int
        Independent instances (leading axis of every tensor).
    n_test : int
        Test patterns per instance (for the test error).
    teacher : torch.Tensor, optional
        Teachers ``(n_instances, N)`` to reuse (a second task: see :meth:`second_task`).
    device, dtype : optional
        Where and in which floating type the tensors live.

    Attributes
    ----------
    teacher : torch.Tensor
        ``(n_instances, N)`` binary teachers.
    patterns, labels : torch.Tensor
        ``(n_instances, P, N)`` and ``(n_instances, P)``.
    test_patterns, test_labels : torch.Tensor
        The same for the test set.
    """

    n_inputs: int
    alpha: float
    seed: int = 0
    n_instances: int = 1
    n_test: int = 0
    teacher: torch.Tensor | None = None
    device: torch.device | str | None = None
    dtype: torch.dtype = torch.float32

    def __post_init__(self) -> None:
        self.n_inputs = _check_positive_int(self.n_inputs, "N")
        if not float(self.alpha) > 0:
            raise ValueError(f"alpha must be positive, got {self.alpha!r}")
        self.n_instances = _check_positive_int(self.n_instances, "n_instances")
        if int(self.n_test) != self.n_test or self.n_test < 0:
            raise ValueError(f"n_test must be a non-negative integer, got {self.n_test!r}")
        self.n_patterns = max(1, round(float(self.alpha) * self.n_inputs))
        dev = torch.device(self.device) if self.device is not None else torch.device("cpu")
        self.generator = torch.Generator(device=dev).manual_seed(int(self.seed))
        shape = (self.n_instances, self.n_inputs)
        if self.teacher is None:
            self.teacher = _random_signs(shape, self.generator, dev, self.dtype)
        elif tuple(self.teacher.shape) != shape:
            raise ValueError(f"teacher must have shape {shape}, got {tuple(self.teacher.shape)}")
        self.patterns = _random_signs(
            (self.n_instances, self.n_patterns, self.n_inputs), self.generator, dev, self.dtype
        )
        self.labels = perceptron_labels(self.teacher, self.patterns)
        self.test_patterns = _random_signs(
            (self.n_instances, int(self.n_test), self.n_inputs), self.generator, dev, self.dtype
        )
        self.test_labels = perceptron_labels(self.teacher, self.test_patterns)

    def second_task(self, r0: float, alpha: float, seed: int) -> TeacherStudent:
        """A new problem whose teachers have overlap ``r0`` with these (fresh patterns)."""
        gen = torch.Generator(device=self.teacher.device).manual_seed(int(seed) + 7919)
        teacher2 = correlated_teacher(self.teacher, r0, gen)
        return TeacherStudent(
            self.n_inputs,
            alpha,
            seed,
            self.n_instances,
            self.n_test,
            teacher2,
            self.teacher.device,
            self.dtype,
        )
