"""BibTeX entries of the methods in :mod:`effdyn.cvs` (one string per reference)."""

ZHANG_SCHUTTE_2023 = r"""@article{zhang2023understanding,
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
