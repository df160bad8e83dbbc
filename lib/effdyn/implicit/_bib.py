"""BibTeX entries for the monotone operator methods of :mod:`effdyn.implicit`."""

WINSTON2020_MONOTONE = r"""@inproceedings{winston2020monotone,
  title     = {Monotone operator equilibrium networks},
  author    = {Winston, Ezra and Kolter, J. Zico},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {33},
  year      = {2020},
  note      = {arXiv:2006.08591}
}"""

FENG2023_MONOTONE_DBM = r"""@article{feng2023monotone,
  title   = {Monotone Deep {B}oltzmann Machines},
  author  = {Feng, Zhili and Winston, Ezra and Kolter, J. Zico},
  journal = {arXiv preprint arXiv:2307.04990},
  year    = {2023}
}"""

WALKER2011_ANDERSON = r"""@article{walker2011anderson,
  title   = {Anderson acceleration for fixed-point iterations},
  author  = {Walker, Homer F. and Ni, Peng},
  journal = {SIAM Journal on Numerical Analysis},
  volume  = {49},
  number  = {4},
  pages   = {1715--1735},
  year    = {2011}
}"""

BIBTEX = "\n\n".join([WINSTON2020_MONOTONE, FENG2023_MONOTONE_DBM, WALKER2011_ANDERSON])
