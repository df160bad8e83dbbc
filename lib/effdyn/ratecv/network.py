"""A neural collective variable trained with the orthogonality condition.

Sule, Mehta and Cameron (2025) ask a collective variable ``xi`` to satisfy the orthogonality
condition ``D xi grad V1 = 0``: its gradient must be orthogonal to the stiff directions
``grad V1`` normal to the residence manifold, on which the slow dynamics lives. Here the
manifold is estimated from samples by local PCA in a group-invariant feature space, and a
network ``features -> R^2`` defines a periodic CV ``xi = atan2(out_2, out_1)`` trained on

``loss = (1 - cos(xi - theta)) + w_oc |P_N grad xi|^2 / |grad xi|^2``

where ``theta`` is the angle of the first two diffusion-map coordinates (they trace the circle
of the butane torsion; the matching term keeps the CV from collapsing) and ``P_N`` projects onto
the local normal space. This simplifies the paper's pipeline (no surrogate potential or
diffusion net): the orthogonality loss is the same, the anti-collapse term differs.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from effdyn._seeding import preserving_global_rng

__all__ = ["OrthogonalityCV", "PeriodicCV"]

Tensor = torch.Tensor

bibtex = r"""@article{sule2025learning,
  author  = {Sule, Shashank and Mehta, Arnav and Cameron, Maria K.},
  title   = {Learning collective variables that preserve transition rates},
  journal = {arXiv preprint arXiv:2506.01222},
  year    = {2025}
}"""


class PeriodicCV(nn.Module):
    """``xi(f) = atan2(net(f)_2, net(f)_1)`` in ``[0, 2 pi)`` for features ``f`` ``(B, k)``.

    ``shift`` rotates the angle (set so that the anti conformer sits near ``pi``).
    """

    def __init__(self, net: nn.Module, shift: float = 0.0) -> None:
        super().__init__()
        self.net = net
        self.shift = float(shift)

    def forward(self, features: Tensor) -> Tensor:
        out = self.net(features)
        return torch.remainder(torch.atan2(out[:, 1], out[:, 0]) + self.shift, 2 * math.pi)


class OrthogonalityCV:
    """Estimator of a periodic CV under the orthogonality condition.

    Parameters
    ----------
    hidden : tuple of int
        Hidden-layer widths of the tanh network.
    weight_oc : float
        Weight of the orthogonality loss.
    epochs, batch_size, lr : training settings (Adam).
    seed : int
        Seed of the initialisation and of the mini-batch order.

    ``fit(features, theta, tangents)``: features ``(N, k)``, target angles ``(N,)``, tangent
    bases ``(N, k, d)`` (from :func:`effdyn.ratecv.manifold.local_tangents`).
    ``fetch_model()`` returns an independent :class:`PeriodicCV`.
    """

    bibtex = bibtex

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 32),
        *,
        weight_oc: float = 1.0,
        epochs: int = 30,
        batch_size: int = 256,
        lr: float = 3e-3,
        seed: int = 0,
    ) -> None:
        if not weight_oc >= 0:
            raise ValueError(f"weight_oc must be non-negative, got {weight_oc!r}")
        for name, v in (("epochs", epochs), ("batch_size", batch_size)):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.hidden, self.weight_oc = tuple(int(h) for h in hidden), float(weight_oc)
        self.epochs, self.batch_size, self.lr, self.seed = int(epochs), int(batch_size), lr, seed
        self.history: list[tuple[float, float]] = []
        self._model: PeriodicCV | None = None

    @staticmethod
    def losses(model: PeriodicCV, f: Tensor, theta: Tensor, tangents: Tensor):
        """``(matching, orthogonality)`` losses on a batch (differentiable)."""
        f = f.detach().requires_grad_(True)
        out = model.net(f)
        xi = torch.atan2(out[:, 1], out[:, 0])
        match = (1.0 - torch.cos(xi - theta)).mean()
        (g,) = torch.autograd.grad(xi.sum(), f, create_graph=True)
        along = (tangents @ (tangents.transpose(1, 2) @ g[..., None]))[..., 0]
        normal = g - along
        oc = ((normal**2).sum(-1) / (g**2).sum(-1).clamp_min(1e-12)).mean()
        return match, oc

    @preserving_global_rng
    def fit(self, features: Tensor, theta: Tensor, tangents: Tensor) -> OrthogonalityCV:
        f = torch.as_tensor(features)
        n, k = f.shape
        if theta.shape != (n,) or tangents.shape[:2] != (n, k):
            raise ValueError(
                f"theta must be ({n},) and tangents ({n}, {k}, d); got {tuple(theta.shape)} "
                f"and {tuple(tangents.shape)}"
            )
        torch.manual_seed(self.seed)
        layers: list[nn.Module] = []
        width = k
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.Tanh()]
            width = h
        layers.append(nn.Linear(width, 2))
        model = PeriodicCV(nn.Sequential(*layers).to(f.device, f.dtype))
        opt = torch.optim.Adam(model.parameters(), lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed)
        self.history = []
        for _ in range(self.epochs):
            perm = torch.randperm(n, generator=gen).to(f.device)
            tot = [0.0, 0.0]
            for s in range(0, n, self.batch_size):
                i = perm[s : s + self.batch_size]
                match, oc = self.losses(model, f[i], theta[i], tangents[i])
                loss = match + self.weight_oc * oc
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                tot[0] += match.item() * len(i) / n
                tot[1] += oc.item() * len(i) / n
            self.history.append((tot[0], tot[1]))
        self._model = model
        return self

    def fetch_model(self) -> PeriodicCV:
        if self._model is None:
            raise ValueError("call fit(...) before fetch_model()")
        return copy.deepcopy(self._model)
