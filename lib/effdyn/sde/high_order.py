"""High-order additive-noise and underdamped-Langevin schemes that use space-time Levy areas.

Both consume the Brownian increment ``dW`` and the space-time Levy area ``H`` of each step
(noise channels ``("dW", "H")``), as a :class:`~effdyn.sde.BrownianPath` with ``levy_area=True``
or a :class:`~effdyn.sde.VirtualBrownianTree` with ``levy_area="space-time"`` provide. They are
the solvers of the single-seed Brownian tree chapter (Jelincic, Foster and Kidger, 2024).
"""

from __future__ import annotations

from typing import Any

import torch

from effdyn.sde._checks import parameter_tensor
from effdyn.sde.integrators import SDEIntegrator, UnderdampedLangevin

__all__ = ["ALIGN", "ShARK"]

Tensor = torch.Tensor

_FOSTER_SPLITTING = r"""@article{foster2024high,
  author  = {Foster, James and dos Reis, Goncalo and Strange, Calum},
  title   = {High order splitting methods for {SDE}s satisfying a commutativity condition},
  journal = {SIAM Journal on Numerical Analysis},
  volume  = {62},
  number  = {1},
  pages   = {500--532},
  year    = {2024},
  doi     = {10.1137/23M155147X}
}"""


class ShARK(SDEIntegrator):
    """Foster's shifted additive-noise Runge-Kutta scheme (ShARK) for additive noise.

    Two drift evaluations per step, at ``z0 = X + sigma H`` and
    ``z1 = X + 5/6 dt b(z0) + sigma (5/6 dW + H)``; then
    ``X' = X + dt (2/5 b(z0) + 3/5 b(z1)) + sigma dW``. Strong order 1.5 for additive noise
    (2 on underdamped Langevin dynamics), weak order 2. ``error_estimate`` gives the embedded
    estimate ``3/5 dt (b(z1) - b(z0))``. Requires a constant (time-independent) diffusion.

    References
    ----------
    Foster, J., dos Reis, G. and Strange, C. (2024), SIAM J. Numer. Anal. 62, 500-532 (eq. 6.1);
    Jelincic, A., Foster, J. and Kidger, P. (2024), arXiv:2405.06464.
    """

    strong_order = 1.5
    weak_order = 2.0
    requires_additive = True
    noise_channels = ("dW", "H")
    bibtex = _FOSTER_SPLITTING

    def __init__(self, sde: Any) -> None:
        super().__init__(sde)
        if not sde.constant_diffusion:
            raise ValueError(
                f"ShARK needs a constant diffusion, but {sde.name} has a time-dependent one; "
                "use SRA1 instead"
            )

    def _stages(self, state: Tensor, t: float, dt: Any, noise: Tensor) -> tuple[Tensor, ...]:
        sde = self.sde
        dW, H = noise[0], noise[1]
        g = sde.diffusion(t, state)
        f0 = sde.drift(t, state + sde.noise_term(g, H))
        z1 = state + (5.0 / 6.0) * dt * f0 + sde.noise_term(g, (5.0 / 6.0) * dW + H)
        f1 = sde.drift(t + (5.0 / 6.0) * dt if isinstance(dt, float) else t, z1)
        out = state + dt * (0.4 * f0 + 0.6 * f1) + sde.noise_term(g, dW)
        return out, f0, f1

    def step(self, state: Tensor, t: float, dt: Any, noise: Tensor) -> Tensor:
        return self._stages(state, t, dt, noise)[0]

    def error_estimate(
        self, state: Tensor, t: float, dt: Any, noise: Tensor
    ) -> tuple[Tensor, Tensor]:
        """``(new_state, embedded error estimate)``."""
        out, f0, f1 = self._stages(state, t, dt, noise)
        return out, 0.6 * dt * (f1 - f0)


class ALIGN(UnderdampedLangevin):
    """Foster's ALIGN scheme (adaptive Langevin via interpolated gradients and noise).

    For ``dq = v dt``, ``dv = F(q)/M dt - gamma v dt + sqrt(2 gamma / (M beta)) dW`` (the
    :class:`UnderdampedLangevin` dynamics with ``v = p / M``), with ``alpha = gamma dt``,
    ``c = exp(-alpha)``, ``a1 = (1 - c)/gamma``, ``b1 = (c + alpha - 1)/(gamma alpha)``,
    ``chh = 6 (c (alpha + 2) + alpha - 2)/(alpha^2 gamma)`` and ``rho = sqrt(2 gamma/(M beta))``::

        q' = q + a1 v + b1 dt F(q)/M + rho (b1 dW + chh H)
        v' = c v + ((a1 - b1) F(q) + b1 F(q'))/M + rho (a1/dt dW - gamma chh H)

    One force evaluation per step; strong order 2 (uses ``dW`` and ``H``).

    References
    ----------
    Jelincic, A., Foster, J. and Kidger, P. (2024), arXiv:2405.06464; Foster, J. (2024), ALIGN.
    """

    strong_order = 2.0
    weak_order = 2.0
    noise_channels = ("dW", "H")
    bibtex = r"""@article{brownian-tree-align,
  author  = {Jelin{\v{c}}i{\v{c}}, Andra{\v{z}} and Foster, James and Kidger, Patrick},
  title   = {Single-seed generation of {B}rownian paths and integrals for adaptive and high
             order {SDE} solvers},
  journal = {arXiv preprint arXiv:2405.06464},
  year    = {2024}
}"""

    def _align_coefficients(self, h: float, x: Tensor) -> tuple[Any, ...]:
        key = ("align", h, x.device, x.dtype)
        coeff = self._cache.get(key)
        if coeff is None:
            m = parameter_tensor(self.mass, "mass", x)
            g = parameter_tensor(self.gamma, "gamma", x)
            gt = torch.as_tensor(g, dtype=torch.float64)
            al = gt * h
            c = torch.exp(-al)
            small = al < 0.05
            als = torch.where(small, torch.ones_like(al), al)
            a1 = -torch.expm1(-al) / gt
            b1_direct = (torch.expm1(-al) + al) / (gt * als)
            chh_direct = 6.0 * (2.0 * al + (al + 2.0) * torch.expm1(-al)) / (als * als * gt)
            b1_series = h * (0.5 - al / 6 + al**2 / 24 - al**3 / 120 + al**4 / 720)
            chh_series = h * (1 - al / 2 + 3 * al**2 / 20 - al**3 / 30 + al**4 / 168)
            b1 = torch.where(small, b1_series, b1_direct)
            chh = torch.where(small, chh_series, chh_direct)
            rho = (2.0 * gt / (torch.as_tensor(m, dtype=torch.float64) * self.beta)).sqrt()
            vals = [c, a1, b1, chh, rho, gt]
            if isinstance(g, float) and isinstance(m, float):
                coeff = tuple(float(v) for v in vals)
            else:
                coeff = tuple(v.to(device=x.device, dtype=x.dtype) for v in vals)
            coeff = coeff + (m,)
            self._cache[key] = coeff
            if len(self._cache) > 64:
                self._cache.pop(next(iter(self._cache)))
        return coeff

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        c, a1, b1, chh, rho, g, m = self._align_coefficients(float(dt), state)
        dW, H = noise[0], noise[1]
        q, p, f0 = state[0], state[1], state[2]
        v = p / m
        q1 = q + a1 * v + (b1 * dt) * f0 / m + rho * (b1 * dW + chh * H)
        f1 = self.force(q1)
        v1 = c * v + ((a1 - b1) * f0 + b1 * f1) / m + rho * ((a1 / dt) * dW - (g * chh) * H)
        return torch.stack([q1, v1 * m, f1])
