"""Periodic grids in one, two and three dimensions and Fourier pseudo-spectral derivatives."""

from __future__ import annotations

import math

import torch

__all__ = ["PeriodicGrid"]


class PeriodicGrid:
    r"""A uniform periodic grid on :math:`[x_0, x_0 + L)^d` without the duplicated endpoint.

    The ``n`` points per axis are :math:`x_j = x_0 + j L / n`, ``j = 0 .. n-1``: the point
    :math:`x_0 + L` is the periodic image of :math:`x_0` and is not stored. (The ``amangkurat``
    package of :cite:`klein-gordon` builds its grid with ``linspace(x_min, x_max, n)``, which keeps
    both endpoints; see :func:`effdyn.fields.package_ics.package_grid`.)

    A field on the grid is a tensor of any batch shape followed by ``dim`` grid axes of size ``n``,
    ``(..., n)`` in one dimension, ``(..., n, n)`` in two and ``(..., n, n, n)`` in three; axis
    ``i`` of the grid is the tensor axis ``-dim + i`` (``x``, ``y``, ``z`` in that order).
    Derivatives act through the batched real FFT over the grid axes (``rfftn``; the last axis is
    the half spectrum). A first derivative drops the Nyquist mode of its axis (for even ``n``),
    the Laplacian keeps it, so that :meth:`laplacian` is symmetric negative semi-definite with
    the exact spectrum :math:`-|k|^2` and :meth:`gradient_energy` is the quadratic form it
    derives from.

    Parameters
    ----------
    n : int
        Number of grid points per axis (at least 4).
    length : float
        Period :math:`L > 0` of every axis.
    x0 : float
        Lower end of the domain on every axis; ``x0 = -length / 2`` centres it (the default).
    dim : int
        Number of dimensions, 1, 2 or 3 (default 1).
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
        dim: int = 1,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 4:
            raise ValueError(f"n must be an integer >= 4, got {n!r}")
        if not (isinstance(length, (int, float)) and math.isfinite(length) and length > 0):
            raise ValueError(f"length must be a positive finite number, got {length!r}")
        if dim not in (1, 2, 3) or isinstance(dim, bool):
            raise ValueError(f"dim must be 1, 2 or 3, got {dim!r}")
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a real floating dtype, got {dtype}")
        self.n = n
        self.dim = int(dim)
        self.length = float(length)
        self.x0 = -0.5 * self.length if x0 is None else float(x0)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self.dx = self.length / n
        #: Volume of one grid cell, ``dx ** dim``.
        self.cell_volume = self.dx**self.dim
        #: Volume of the periodic box, ``length ** dim``.
        self.volume = self.length**self.dim
        j = torch.arange(n, device=self.device, dtype=dtype)
        #: Coordinates along one axis (the same on every axis).
        self.x = self.x0 + j * self.dx
        m = torch.arange(n // 2 + 1, device=self.device, dtype=dtype)
        #: Non-negative wavenumbers of the real FFT along the last axis, ``2 pi m / L``.
        self.k = 2.0 * math.pi * m / self.length
        full = 2.0 * math.pi * torch.fft.fftfreq(n, d=self.dx, device=self.device, dtype=dtype)
        full = full.abs().where(torch.arange(n, device=self.device) == n // 2, full)
        # wavevector components in the rfftn layout, each broadcastable to the spectrum shape
        comps = []
        for i in range(self.dim):
            values = self.k if i == self.dim - 1 else full
            shape = [1] * self.dim
            shape[i] = values.shape[0]
            comps.append(values.reshape(shape))
        #: Wavevector components ``(k_x, ..., )`` broadcastable to :attr:`spectrum_shape`.
        self.wavevectors = tuple(comps)
        #: Shape of the real-FFT spectrum of one field.
        self.spectrum_shape = tuple([n] * (self.dim - 1) + [n // 2 + 1])
        k2 = torch.zeros(self.spectrum_shape, device=self.device, dtype=dtype)
        for c in comps:
            k2 = k2 + c**2
        #: :math:`|k|^2` on the spectrum.
        self.k_squared = k2
        self._k2 = self.k**2 if self.dim == 1 else k2
        self._ik = []
        for c in comps:
            ik = (1j * c).to(torch.complex128 if dtype == torch.float64 else torch.complex64)
            if n % 2 == 0:
                ik = torch.where(c.abs() == math.pi * n / self.length, torch.zeros_like(ik), ik)
            self._ik.append(ik)
        #: Largest wavenumber held by the grid along one axis, ``pi n / L`` for even ``n``.
        self.k_max = float(self.k[-1])

    def __repr__(self) -> str:
        extra = "" if self.dim == 1 else f", dim={self.dim}"
        return (
            f"PeriodicGrid(n={self.n}, length={self.length:g}, x0={self.x0:g}{extra}, "
            f"device={self.device}, dtype={self.dtype})"
        )

    # ------------------------------------------------------------------ helpers
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one field on the grid, ``(n,) * dim``."""
        return (self.n,) * self.dim

    @property
    def _axes(self) -> tuple[int, ...]:
        return tuple(range(-self.dim, 0))

    def _check(self, field: torch.Tensor) -> None:
        if field.dim() < self.dim or tuple(field.shape[-self.dim :]) != self.shape:
            raise ValueError(
                f"field must end with the grid shape {self.shape}, got shape {tuple(field.shape)}"
            )

    def field(self, values: torch.Tensor | float) -> torch.Tensor:
        """Return ``values`` as a tensor on this grid's device and dtype."""
        return torch.as_tensor(values, device=self.device, dtype=self.dtype)

    def mesh(self) -> tuple[torch.Tensor, ...]:
        """Coordinate arrays ``(x, y[, z])`` of shape :attr:`shape` (``indexing="ij"``)."""
        return torch.meshgrid(*([self.x] * self.dim), indexing="ij")

    def rfft(self, field: torch.Tensor) -> torch.Tensor:
        """Real FFT over the grid axes (unnormalised, as ``torch.fft.rfftn``)."""
        self._check(field)
        return torch.fft.rfftn(field, dim=self._axes)

    def irfft(self, spectrum: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`rfft`."""
        return torch.fft.irfftn(spectrum, s=self.shape, dim=self._axes)

    # -------------------------------------------------------------- derivatives
    def derivative(self, field: torch.Tensor, axis: int = -1) -> torch.Tensor:
        """Spectral first derivative along grid axis ``axis`` (default the last, ``x`` in 1-D)."""
        if not -self.dim <= axis < self.dim:
            raise ValueError(f"axis must be a grid axis in [-{self.dim}, {self.dim}), got {axis}")
        return self.irfft(self._ik[axis] * self.rfft(field))

    def laplacian(self, field: torch.Tensor) -> torch.Tensor:
        """Spectral Laplacian over the grid axes (exact spectrum :math:`-|k|^2`)."""
        return self.irfft(-self._k2 * self.rfft(field))

    def poisson_solve(self, source: torch.Tensor) -> torch.Tensor:
        r"""The zero-mean solution :math:`u` of :math:`\nabla^2 u = f - \bar f` (spectral).

        The mean of ``source`` is dropped (a periodic Poisson problem is solvable only for
        zero-mean data); on zero-mean fields this inverts :meth:`laplacian` exactly.
        """
        spec = self.rfft(source)
        k2 = self._k2
        inv = torch.where(k2 > 0, -1.0 / torch.where(k2 > 0, k2, torch.ones_like(k2)), 0.0)
        return self.irfft(inv * spec)

    # ----------------------------------------------------------------- integrals
    def integrate(self, density: torch.Tensor) -> torch.Tensor:
        """Integral over one period (the trapezoidal rule, spectrally exact for periodic data)."""
        self._check(density)
        return density.sum(dim=self._axes) * self.cell_volume

    def gradient_energy(self, field: torch.Tensor) -> torch.Tensor:
        r""":math:`\tfrac12 \int |\nabla\phi|^2 = -\tfrac12\int \phi\,\nabla^2\phi` on the grid.

        Computed by Parseval's identity with the same :math:`|k|^2` as :meth:`laplacian` (Nyquist
        modes included), so that it is the exact potential of the discrete Laplacian force.
        """
        coeff = self.rfft(field)
        weight = torch.full_like(self.k, 2.0)
        weight[0] = 1.0
        if self.n % 2 == 0:
            weight[-1] = 1.0
        power = (weight * self._k2 * coeff.abs() ** 2).sum(dim=self._axes)
        return 0.5 * power * self.cell_volume / self.n**self.dim
