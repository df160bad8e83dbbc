"""BibTeX entries of the methods implemented in :mod:`effdyn.highdim`.

Every public class or function of the sub-package carries a ``bibtex`` attribute holding one of
these strings, so that a chapter can print exactly what it used.
"""

from __future__ import annotations

BEN_AROUS_GHEISSARI_JAGANNATH_2022 = r"""@inproceedings{benarous2022sgdlimits,
  title     = {High-dimensional limit theorems for {SGD}: Effective dynamics and critical scaling},
  author    = {Ben Arous, G{\'e}rard and Gheissari, Reza and Jagannath, Aukosh},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {35},
  year      = {2022},
  eprint    = {2206.04030},
  archivePrefix = {arXiv}
}"""

BEN_AROUS_GHEISSARI_JAGANNATH_2021 = r"""@article{benarous2021online,
  title   = {Online stochastic gradient descent on non-convex losses from high-dimensional
             inference},
  author  = {Ben Arous, G{\'e}rard and Gheissari, Reza and Jagannath, Aukosh},
  journal = {Journal of Machine Learning Research},
  volume  = {22},
  number  = {106},
  pages   = {1--51},
  year    = {2021}
}"""
