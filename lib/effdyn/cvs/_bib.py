"""BibTeX entries of the methods in :mod:`effdyn.cvs` (one string per reference)."""

from effdyn.systems.potentials import TripleWellCircle

ZHANG_SCHUTTE_2023 = TripleWellCircle.bibtex  # the paper that defines the benchmark system

ZHANG_SCHUTTE_2022 = r"""@article{zhang2022solving,
  author  = {Zhang, Wei and Li, Tiejun and Sch{\"u}tte, Christof},
  title   = {Solving eigenvalue {PDE}s of metastable diffusion processes using artificial
             neural networks},
  journal = {Journal of Computational Physics},
  volume  = {465},
  pages   = {111377},
  year    = {2022},
  doi     = {10.1016/j.jcp.2022.111377}
}"""

HINTON_SALAKHUTDINOV_2006 = r"""@article{hinton2006reducing,
  author  = {Hinton, Geoffrey E. and Salakhutdinov, Ruslan R.},
  title   = {Reducing the dimensionality of data with neural networks},
  journal = {Science},
  volume  = {313},
  number  = {5786},
  pages   = {504--507},
  year    = {2006},
  doi     = {10.1126/science.1127647}
}"""
