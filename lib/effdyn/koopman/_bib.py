"""BibTeX entries of the methods in :mod:`effdyn.koopman`."""

from effdyn.systems.potentials import ISOKANN_BIB

ISOKANN_EFFECTIVE = ISOKANN_BIB  # the paper the chapter reproduces, also cited by the systems

ISOKANN = r"""@article{rabben2020isokann,
  author  = {Rabben, Robert Julian and Ray, Sourav and Weber, Marcus},
  title   = {{ISOKANN}: Invariant subspaces of {K}oopman operators learned by a neural network},
  journal = {The Journal of Chemical Physics},
  volume  = {153},
  number  = {11},
  pages   = {114109},
  year    = {2020},
  doi     = {10.1063/5.0015132}
}"""

PCCA_PLUS = r"""@article{deuflhard2005robust,
  author  = {Deuflhard, Peter and Weber, Marcus},
  title   = {Robust {P}erron cluster analysis in conformation dynamics},
  journal = {Linear Algebra and its Applications},
  volume  = {398},
  pages   = {161--184},
  year    = {2005},
  doi     = {10.1016/j.laa.2004.10.026}
}"""

LEGOLL_LELIEVRE = r"""@article{legoll2010effective,
  author  = {Legoll, Fr{\'e}d{\'e}ric and Leli{\`e}vre, Tony},
  title   = {Effective dynamics using conditional expectations},
  journal = {Nonlinearity},
  volume  = {23},
  number  = {9},
  pages   = {2131--2163},
  year    = {2010},
  doi     = {10.1088/0951-7715/23/9/006}
}"""

WU_VAMP_REWEIGHTING = r"""@article{wu2017variational,
  author  = {Wu, Hao and N{\"u}ske, Feliks and Paul, Fabian and Klus, Stefan and
             Koltai, P{\'e}ter and No{\'e}, Frank},
  title   = {Variational {K}oopman models: Slow collective variables and molecular kinetics
             from short off-equilibrium simulations},
  journal = {The Journal of Chemical Physics},
  volume  = {146},
  number  = {15},
  pages   = {154104},
  year    = {2017},
  doi     = {10.1063/1.4979344}
}"""
