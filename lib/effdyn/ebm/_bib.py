"""BibTeX entries for :mod:`effdyn.ebm`."""

from effdyn.implicit._bib import FENG2023_MONOTONE_DBM, WINSTON2020_MONOTONE

HINTON2002_CD = r"""@article{hinton2002training,
  title   = {Training products of experts by minimizing contrastive divergence},
  author  = {Hinton, Geoffrey E.},
  journal = {Neural Computation},
  volume  = {14},
  number  = {8},
  pages   = {1771--1800},
  year    = {2002}
}"""

BIBTEX = "\n\n".join([FENG2023_MONOTONE_DBM, WINSTON2020_MONOTONE, HINTON2002_CD])
