"""Benchmark potentials of metastable dynamics, with analytic forces.

Conventions: overdamped Langevin ``dX = -grad V(X) dt + sqrt(2/beta) dW`` unless a chapter says
otherwise; its generator is ``L f = -grad V . grad f + beta^{-1} Laplace f``. Codes that write
``dX = -grad V dt + sigma dW`` (ISOKANN.jl) have ``beta = 2 / sigma**2``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from effdyn.systems.base import Potential

__all__ = [
    "AsymmetricDoubleWell",
    "DoubleWell",
    "MullerBrown",
    "OrnsteinUhlenbeck",
    "TripleWell",
    "TripleWellCircle",
]

Tensor = torch.Tensor

ISOKANN_BIB = r"""@article{sikorski2026effective,
  author  = {Sikorski, Alexander and Donati, Luca and Weber, Marcus and Sch{\"u}tte, Christof},
  title   = {Effective Dynamics and Transition Pathways from {K}oopman-Inspired Neural Learning
             of Collective Variables},
  journal = {arXiv preprint arXiv:2604.05778},
  year    = {2026}
}"""


class DoubleWell(Potential):
    """The 1-D double well ``V(x) = height * (x^2 - 1)^2``.

    Minima at ``x = +-1`` (``V = 0``), barrier ``height`` at ``x = 0``. With ``height = 1`` this
    is the ``Doublewell`` of ISOKANN.jl (Sikorski et al.), simulated there as
    ``dX = -V' dt + sigma dW`` with ``sigma = 1``, i.e. ``beta = 2``.
    """

    dim = 1
    domain = ((-2.0, 2.0),)
    bibtex = ISOKANN_BIB

    def __init__(self, height: float = 1.0) -> None:
        self.height = float(height)

    def _energy(self, x: Tensor) -> Tensor:
        u = x[..., 0] * x[..., 0] - 1.0
        return self.height * u * u

    def _force(self, x: Tensor) -> Tensor:
        return (-4.0 * self.height) * x * (x * x - 1.0)

    @property
    def minima(self) -> np.ndarray:
        return np.array([[-1.0], [1.0]])


class AsymmetricDoubleWell(Potential):
    """The tilted 1-D double well ``V(x) = height * (x^2 - 1)^2 + tilt * x``.

    A positive ``tilt`` deepens the left well: the wells are no longer equally populated and
    the two MFPTs differ. The default ``tilt = 0.25`` is our choice (minima near ``-1.03`` and
    ``0.97``, energy difference about ``0.5``); it has no paper behind it.
    """

    dim = 1
    domain = ((-2.0, 2.0),)
    bibtex = ISOKANN_BIB

    def __init__(self, height: float = 1.0, tilt: float = 0.25) -> None:
        self.height, self.tilt = float(height), float(tilt)

    def _energy(self, x: Tensor) -> Tensor:
        u = x[..., 0] * x[..., 0] - 1.0
        return self.height * u * u + self.tilt * x[..., 0]

    def _force(self, x: Tensor) -> Tensor:
        return (-4.0 * self.height) * x * (x * x - 1.0) - self.tilt

    @property
    def minima(self) -> np.ndarray:
        # V'(x) = 4 h x^3 - 4 h x + tilt; minima are the real roots with V'' > 0.
        roots = np.roots([4 * self.height, 0.0, -4 * self.height, self.tilt])
        real = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
        keep = [r for r in real if 12 * self.height * r * r - 4 * self.height > 0]
        return np.array(keep).reshape(-1, 1)


class TripleWell(Potential):
    """The 2-D three-well potential of Metzner, Schütte and Vanden-Eijnden (2006).

    ``V(x, y) = 3 exp(-x^2 - (y - 1/3)^2) - 3 exp(-x^2 - (y - 5/3)^2)
    - 5 exp(-(x - 1)^2 - y^2) - 5 exp(-(x + 1)^2 - y^2) + x^4/5 + (y - 1/3)^4/5``.

    Deep minima near ``(+-1.048, -0.042)`` (``V = -3.995``), a shallow one near
    ``(0, 1.537)`` (``V = -2.172``). The deep wells are joined by a lower channel over a saddle
    at ``(0, -0.316)`` (``V = -1.385``) and by an upper one through the shallow well over
    saddles at ``(+-0.617, 1.103)`` (``V = -1.647``, the lower pass). The paper uses
    ``beta = 1.67`` and ``6.67``. Domain ``[-2, 2] x [-1.5, 2.5]`` as in ISOKANN.jl.
    """

    dim = 2
    domain = ((-2.0, 2.0), (-1.5, 2.5))
    bibtex = r"""@article{metzner2006illustration,
  author  = {Metzner, Philipp and Sch{\"u}tte, Christof and Vanden-Eijnden, Eric},
  title   = {Illustration of transition path theory on a collection of simple examples},
  journal = {The Journal of Chemical Physics},
  volume  = {125},
  number  = {8},
  pages   = {084110},
  year    = {2006},
  doi     = {10.1063/1.2335447}
}"""

    def _terms(self, x: Tensor):
        X, Y = x[..., 0], x[..., 1]
        X2, Y2 = X * X, Y * Y
        Ya, Yb = Y - 1.0 / 3.0, Y - 5.0 / 3.0
        e1 = torch.exp(-X2 - Ya * Ya)
        e2 = torch.exp(-X2 - Yb * Yb)
        e3 = torch.exp(-((X - 1.0) ** 2) - Y2)
        e4 = torch.exp(-((X + 1.0) ** 2) - Y2)
        return X, Y, Ya, Yb, e1, e2, e3, e4

    def _energy(self, x: Tensor) -> Tensor:
        X, Y, Ya, Yb, e1, e2, e3, e4 = self._terms(x)
        Ya2 = Ya * Ya
        return 3 * e1 - 3 * e2 - 5 * (e3 + e4) + 0.2 * (X * X) ** 2 + 0.2 * Ya2 * Ya2

    def _force(self, x: Tensor) -> Tensor:
        X, Y, Ya, Yb, e1, e2, e3, e4 = self._terms(x)
        e34 = e3 + e4
        gx = 6 * X * (e2 - e1) + 10 * (X * e34 + e4 - e3) + 0.8 * X * X * X
        gy = 6 * (Yb * e2 - Ya * e1) + 10 * Y * e34 + 0.8 * Ya * Ya * Ya
        return -torch.stack([gx, gy], dim=-1)

    @property
    def minima(self) -> np.ndarray:
        return np.array([[-1.04805, -0.04209], [1.04805, -0.04209], [0.0, 1.53708]])


class MullerBrown(Potential):
    """The Müller-Brown potential (1979) with its standard parameters, times ``scale``.

    ``V = scale * sum_k A_k exp(a_k (x - x_k)^2 + b_k (x - x_k)(y - y_k) + c_k (y - y_k)^2)``
    with ``A = (-200, -100, -170, 15)``, ``a = (-1, -1, -6.5, 0.7)``, ``b = (0, 0, 11, 0.6)``,
    ``c = (-10, -10, -6.5, 0.7)``, ``x_k = (1, 0, -0.5, -1)``, ``y_k = (0, 0.5, 1.5, 1)``.
    Minima near ``(-0.558, 1.442)``, ``(0.623, 0.028)``, ``(-0.050, 0.467)``
    (``V = -146.7, -108.2, -80.8`` at ``scale = 1``). Energies are large: simulations use a
    small ``scale`` or a large temperature (ISOKANN.jl: ``sigma = 7``, i.e. ``beta = 2/49``).
    """

    dim = 2
    domain = ((-1.5, 1.2), (-0.5, 2.0))
    bibtex = r"""@article{muller1979location,
  author  = {M{\"u}ller, Klaus and Brown, Leo D.},
  title   = {Location of saddle points and minimum energy paths by a constrained simplex
             optimization procedure},
  journal = {Theoretica Chimica Acta},
  volume  = {53},
  number  = {1},
  pages   = {75--93},
  year    = {1979},
  doi     = {10.1007/BF00547608}
}"""

    A = (-200.0, -100.0, -170.0, 15.0)
    a = (-1.0, -1.0, -6.5, 0.7)
    b = (0.0, 0.0, 11.0, 0.6)
    c = (-10.0, -10.0, -6.5, 0.7)
    x0 = (1.0, 0.0, -0.5, -1.0)
    y0 = (0.0, 0.5, 1.5, 1.0)

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = float(scale)

    def _energy(self, x: Tensor) -> Tensor:
        X, Y = x[..., 0], x[..., 1]
        v = torch.zeros_like(X)
        for A, a, b, c, x0, y0 in zip(
            self.A, self.a, self.b, self.c, self.x0, self.y0, strict=True
        ):
            dx, dy = X - x0, Y - y0
            v = v + A * torch.exp(a * dx * dx + b * dx * dy + c * dy * dy)
        return self.scale * v

    def _force(self, x: Tensor) -> Tensor:
        X, Y = x[..., 0], x[..., 1]
        gx, gy = torch.zeros_like(X), torch.zeros_like(Y)
        for A, a, b, c, x0, y0 in zip(
            self.A, self.a, self.b, self.c, self.x0, self.y0, strict=True
        ):
            dx, dy = X - x0, Y - y0
            e = A * torch.exp(a * dx * dx + b * dx * dy + c * dy * dy)
            gx = gx + e * (2 * a * dx + b * dy)
            gy = gy + e * (b * dx + 2 * c * dy)
        return (-self.scale) * torch.stack([gx, gy], dim=-1)

    @property
    def minima(self) -> np.ndarray:
        return np.array([[-0.55822, 1.44173], [0.62350, 0.02804], [-0.05001, 0.46669]])


class TripleWellCircle(Potential):
    """Three wells along the unit circle (Zhang and Schütte 2023; colvars-finder).

    ``V(x) = V_1(theta) + (r - 1)^2 / eps + 5 exp(-5 r^2)`` in polar coordinates, with
    ``V_1 = (1 - (3 theta/pi - 1)^2)^2`` for ``theta > pi/3``,
    ``(1 - (3 theta/pi + 1)^2)^2`` for ``theta < -pi/3`` and ``3/5 - (2/5) cos(3 theta)``
    in between. Wells at ``theta = 0`` (``V_1 = 0.2``) and ``+-2 pi/3`` (``V_1 = 0``), barriers
    ``V_1 = 1`` at ``+-pi/3`` and ``9`` at ``theta = pi``. Parameters of the package's 2-D
    example: ``eps = 0.5``, ``beta = 1``, domain ``[-3.5, 3.5]^2``. The force is singular at
    the origin (the angle is undefined there); it is guarded by a barrier of height 5.
    """

    dim = 2
    domain = ((-3.5, 3.5), (-3.5, 3.5))
    bibtex = r"""@article{zhang2023understanding,
  author  = {Zhang, Wei and Sch{\"u}tte, Christof},
  title   = {Understanding recent deep-learning techniques for identifying collective
             variables of molecular dynamics},
  journal = {PAMM},
  volume  = {23},
  number  = {4},
  pages   = {e202300189},
  year    = {2023},
  doi     = {10.1002/pamm.202300189}
}"""

    def __init__(self, eps: float = 0.5) -> None:
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        self.eps = float(eps)

    @staticmethod
    def _angular(theta: Tensor) -> tuple[Tensor, Tensor]:
        """``V_1(theta)`` and ``V_1'(theta)``."""
        k = 3.0 / math.pi
        u = torch.where(theta > 0, k * theta - 1.0, k * theta + 1.0)
        w = 1.0 - u * u
        outer_v, outer_d = w * w, -4.0 * k * u * w
        inner = theta.abs() < math.pi / 3
        v = torch.where(inner, 0.6 - 0.4 * torch.cos(3.0 * theta), outer_v)
        d = torch.where(inner, 1.2 * torch.sin(3.0 * theta), outer_d)
        return v, d

    def _energy(self, x: Tensor) -> Tensor:
        X, Y = x[..., 0], x[..., 1]
        r2 = X * X + Y * Y
        r = torch.sqrt(r2)
        v1, _ = self._angular(torch.atan2(Y, X))
        return v1 + (r - 1.0) ** 2 / self.eps + 5.0 * torch.exp(-5.0 * r2)

    def _force(self, x: Tensor) -> Tensor:
        X, Y = x[..., 0], x[..., 1]
        r2 = (X * X + Y * Y).clamp_min(torch.finfo(x.dtype).tiny)
        r = torch.sqrt(r2)
        _, d1 = self._angular(torch.atan2(Y, X))
        dr = 2.0 * (r - 1.0) / self.eps - 50.0 * r * torch.exp(-5.0 * r2)
        # grad theta = (-y, x) / r^2, grad r = (x, y) / r
        a, b = d1 / r2, dr / r
        return -torch.stack([b * X - a * Y, b * Y + a * X], dim=-1)

    @property
    def minima(self) -> np.ndarray:
        # On the circle the radial minimum is slightly off r = 1 (the Gaussian bump pushes out).
        r = self._radial_minimum()
        angles = (0.0, 2 * math.pi / 3, -2 * math.pi / 3)
        return np.array([[r * math.cos(a), r * math.sin(a)] for a in angles])

    def _radial_minimum(self) -> float:
        r = 1.0
        for _ in range(50):  # Newton on dV/dr = 2 (r - 1)/eps - 50 r exp(-5 r^2)
            e = math.exp(-5 * r * r)
            g = 2 * (r - 1) / self.eps - 50 * r * e
            h = 2 / self.eps - 50 * e + 500 * r * r * e
            r -= g / h
        return r


class OrnsteinUhlenbeck(Potential):
    """The harmonic potential ``V(x) = 1/2 sum_i k_i (x_i - mu_i)^2`` (Ornstein-Uhlenbeck).

    Under overdamped Langevin dynamics each coordinate is an OU process with rate ``k_i``:
    transition mean ``mu + exp(-k t)(x - mu)``, variance ``(1 - exp(-2 k t)) / (beta k)``, and
    generator eigenvalues ``-sum_i n_i k_i`` (``n_i = 0, 1, 2, ...``), independent of ``beta``.

    Parameters
    ----------
    stiffness : float or sequence
        ``k_i > 0`` (one value, or one per coordinate).
    center : float or sequence
        ``mu_i``.
    dim : int, optional
        Dimension when both parameters are scalars (default 1).
    """

    bibtex = r"""@article{uhlenbeck1930theory,
  author  = {Uhlenbeck, George E. and Ornstein, Leonard S.},
  title   = {On the theory of the {B}rownian motion},
  journal = {Physical Review},
  volume  = {36},
  number  = {5},
  pages   = {823--841},
  year    = {1930},
  doi     = {10.1103/PhysRev.36.823}
}"""

    def __init__(self, stiffness=1.0, center=0.0, dim: int | None = None) -> None:
        k = np.atleast_1d(np.asarray(stiffness, dtype=np.float64))
        mu = np.atleast_1d(np.asarray(center, dtype=np.float64))
        d = dim if dim is not None else max(len(k), len(mu))
        if len(k) not in (1, d) or len(mu) not in (1, d):
            raise ValueError(f"stiffness and center must have 1 or {d} entries")
        self.dim = int(d)
        self.k = np.broadcast_to(k, (d,)).copy()
        self.mu = np.broadcast_to(mu, (d,)).copy()
        if np.any(self.k <= 0) or not np.all(np.isfinite(self.k)):
            raise ValueError(f"stiffness must be finite and positive, got {stiffness!r}")
        half = 5.0 / np.sqrt(self.k)
        self.domain = tuple(
            (float(m - h), float(m + h)) for m, h in zip(self.mu, half, strict=True)
        )
        self._cache: dict = {}

    def _params(self, x: Tensor) -> tuple[Tensor, Tensor]:
        key = (x.device, x.dtype)
        if key not in self._cache:
            self._cache[key] = (
                torch.as_tensor(self.k, device=x.device, dtype=x.dtype),
                torch.as_tensor(self.mu, device=x.device, dtype=x.dtype),
            )
        return self._cache[key]

    def _energy(self, x: Tensor) -> Tensor:
        k, mu = self._params(x)
        d = x - mu
        return 0.5 * (k * d * d).sum(dim=-1)

    def _force(self, x: Tensor) -> Tensor:
        k, mu = self._params(x)
        return -k * (x - mu)

    @property
    def minima(self) -> np.ndarray:
        return self.mu.reshape(1, -1)

    def eigenvalues(self, n: int) -> np.ndarray:
        """The ``n`` smallest rates ``lambda = sum_i n_i k_i`` of ``-L`` (with multiplicity)."""
        # The n smallest sums lie below (n - 1) k_min (multiples of k_min alone give n of them).
        bound = (n - 1) * float(self.k.min()) * (1 + 1e-12)
        levels = [np.arange(0, int(bound / ki) + 1) * ki for ki in self.k]
        grids = np.meshgrid(*levels, indexing="ij")
        values = np.sort(np.sum(grids, axis=0).ravel())
        return values[:n]

    def transition_mean(self, x0, t: float):
        """``E[X_t | X_0 = x0]``."""
        return self.mu + np.exp(-self.k * t) * (np.asarray(x0) - self.mu)

    def transition_variance(self, t: float, beta: float) -> np.ndarray:
        """``Var[X_t | X_0]`` per coordinate."""
        return (1.0 - np.exp(-2.0 * self.k * t)) / (beta * self.k)

    def stationary_variance(self, beta: float) -> np.ndarray:
        """Variance of the Boltzmann distribution per coordinate, ``1 / (beta k)``."""
        return 1.0 / (beta * self.k)
