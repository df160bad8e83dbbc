"""Periodic one-dimensional grids and Fourier pseudo-spectral derivatives in torch."""

from __future__ import annotations

import math

import torch

__all__ = ["PeriodicGrid"]


class PeriodicGrid:
    r"""A uniform periodic grid on :math:`[x_0, x_0 + L)` without the duplicated endpoint.

    The ``n`` points are :math:`x_j = x_0 + j L / n`, ``j = 0 .. n-1``: the point :math:`x_0 + L`
    is the periodic image of :math:`x_0` and is not stored. (The ``amangkurat`` package of
    :cite:`klein-gordon` builds its grid with ``linspace(x_min, x_max, n)``, which keeps both
    endpoints; see :func:`effdyn.fields.package_ics.package_grid`.)

    Derivatives act on the last dimension of a tensor of any batch shape ``(..., n)`` through the
    real FFT. The first derivative drops the Nyquist mode (for even ``n``), the second derivative
    keeps it, so that :meth:`laplacian` is symmetric negative semi-definite and
    :meth:`gradient_energy` is the exact quadratic form it derives from.

    Parameters
    ----------
    n : int
        Number of grid points (at least 4).
    length : float
        Period :math:`L > 0`.
    x0 : float
        Left end of the domain; ``x0 = -length / 2`` centres it on zero (the default).
    device, dtype
        Where the coordinates, wavenumbers and every field built on this grid live.
    """

    bibtex = r"""@book{trefethen2000spectral,
  author = {Trefethen, Lloyd N.},
  title = {Spectral Methods in {MATLAB}},
  publisher = {SIAM},
  year = {2000},
  doi = {10.1137/1.9780898719598}
}"""

    def __init__(
        self,
        n: int,
        length: float,
        x0: float | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 4:
            raise ValueError(f"n must be an integer >= 4, got {n!r}")
        if not (isinstance(length, (int, float)) and math.isfinite(length) and length > 0):
            raise ValueError(f"length must be a positive finite number, got {length!r}")
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a real floating dtype, got {dtype}")
        self.n = n
        self.length = float(length)
        self.x0 = -0.5 * self.length if x0 is None else float(x0)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self.dx = self.length / n
        j = torch.arange(n, device=self.device, dtype=dtype)
        self.x = self.x0 + j * self.dx
        m = torch.arange(n // 2 + 1, device=self.device, dtype=dtype)
        #: Non-negative wavenumbers of the real FFT, ``2 pi m / L``.
        self.k = 2.0 * math.pi * m / self.length
        self._k2 = self.k**2
        self._ik = 1j * self.k.clone()
        if n % 2 == 0:
            self._ik[-1] = 0.0  # the Nyquist mode has no odd part on the grid
        #: Largest wavenumber held by the grid, ``pi n / L`` for even ``n``.
        self.k_max = float(self.k[-1])

    def __repr__(self) -> str:
        return (
            f"PeriodicGrid(n={self.n}, length={self.length:g}, x0={self.x0:g}, "
            f"device={self.device}, dtype={self.dtype})"
        )

    # ------------------------------------------------------------------ helpers
    def _check(self, field: torch.Tensor) -> None:
        if field.shape[-1] != self.n:
            raise ValueError(
                f"field must have the grid size {self.n} in its last dimension, "
                f"got shape {tuple(field.shape)}"
            )

    def field(self, values: torch.Tensor | float) -> torch.Tensor:
        """Return ``values`` as a tensor on this grid's device and dtype."""
        return torch.as_tensor(values, device=self.device, dtype=self.dtype)

    # -------------------------------------------------------------- derivatives
    def derivative(self, field: torch.Tensor) -> torch.Tensor:
        """Spectral first derivative :math:`\\partial_x` along the last dimension."""
        self._check(field)
        return torch.fft.irfft(self._ik * torch.fft.rfft(field), n=self.n)

    def laplacian(self, field: torch.Tensor) -> torch.Tensor:
        """Spectral second derivative :math:`\\partial_x^2` along the last dimension."""
        self._check(field)
        return torch.fft.irfft(-self._k2 * torch.fft.rfft(field), n=self.n)

    # ----------------------------------------------------------------- integrals
    def integrate(self, density: torch.Tensor) -> torch.Tensor:
        """Integral over one period (the trapezoidal rule, spectrally exact for periodic data)."""
        self._check(density)
        return density.sum(dim=-1) * self.dx

    def gradient_energy(self, field: torch.Tensor) -> torch.Tensor:
        r""":math:`\tfrac12 \int \phi_x^2\,dx = -\tfrac12\int \phi\,\phi_{xx}\,dx` on the grid.

        Computed by Parseval's identity with the same :math:`k^2` as :meth:`laplacian` (Nyquist
        mode included), so that it is the exact potential of the discrete Laplacian force.
        """
        self._check(field)
        coeff = torch.fft.rfft(field)
        weight = torch.full_like(self.k, 2.0)
        weight[0] = 1.0
        if self.n % 2 == 0:
            weight[-1] = 1.0
        power = (weight * self._k2 * coeff.abs() ** 2).sum(dim=-1)
        return 0.5 * power * self.dx / self.n
