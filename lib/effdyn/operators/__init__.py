"""Grid references for low-dimensional overdamped Langevin dynamics.

``dX = -grad V dt + sqrt(2/beta) dW`` (generator ``L = -grad V . grad + beta^{-1} Laplace``);
a code that writes ``dX = -grad V dt + sigma dW`` has ``beta = 2 / sigma**2``.

- :class:`Grid`: cell-centred tensor-product grid on a box (``Grid.box(V.domain, 200)``);
  ``points()``, ``mask(region)``, ``interpolate(values, points)``.
- :class:`SqRA`: the square-root approximation of ``L`` on a grid, reflecting (or periodic)
  boundaries: ``.Q`` (sparse rate matrix), ``.pi``, ``.density``, ``.eigs(k)`` (the slowest
  rates ``lambda_0 = 0 < lambda_1 < ...`` of ``-L`` and ``L^2(pi)``-normalised
  eigenfunctions), ``.committor(A, B)``, ``.mfpt(target)``, ``.mean_mfpt(source, target)``;
  ``A``, ``B``, ``target`` are the same sets as for simulations (:mod:`effdyn.sde.sets`).
- :class:`TensorDiffusion2D`: linear finite elements for a 2-D reversible diffusion with a full
  (non-diagonal) tensor ``D(z)``: ``.committor(A, B)``, ``.reactive_frequency(A, B)`` (the
  reduced model of a two-dimensional collective variable).
- :func:`mfpt_1d`, :func:`committor_1d`: exact 1-D MFPT and committor by quadrature.
- :func:`boltzmann_density`: ``exp(-beta V)/Z`` on a grid.

Reference values recomputed by the tests (``tests/test_operators.py``): double well
``(x^2-1)^2`` at ``beta = 2``: ``lambda_1 = 0.2273``, ``lambda_2 = 4.078``,
MFPT(-1 -> +1) = 10.258; MSV triple well at ``beta = 1.67``: ``lambda_1 = 0.0814``,
``lambda_2 = 0.7547``, ``lambda_3 = 3.919``.
"""

from effdyn.operators.fem import TensorDiffusion2D
from effdyn.operators.grid import Grid
from effdyn.operators.quadrature import committor_1d, mfpt_1d
from effdyn.operators.sqra import SqRA, boltzmann_density, dirichlet_committor, grid_energies

__all__ = [
    "Grid",
    "SqRA",
    "TensorDiffusion2D",
    "boltzmann_density",
    "committor_1d",
    "dirichlet_committor",
    "grid_energies",
    "mfpt_1d",
]
