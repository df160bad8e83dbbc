"""BibTeX entries for the methods of :mod:`effdyn.bayes` (printed by chapters that use them)."""

FEDER2025_UNIVERSALITY = r"""@article{feder2025universality,
  title   = {The Universality Lens: Why Even Highly Over-Parametrized Models Learn Well},
  author  = {Feder, Meir and Urbanke, Ruediger and Fogel, Yaniv},
  journal = {arXiv preprint arXiv:2506.07661},
  year    = {2025}
}"""

BARRON1991_RESOLVABILITY = r"""@article{barron1991minimum,
  title   = {Minimum complexity density estimation},
  author  = {Barron, Andrew R. and Cover, Thomas M.},
  journal = {IEEE Transactions on Information Theory},
  volume  = {37},
  number  = {4},
  pages   = {1034--1054},
  year    = {1991}
}"""

BISHOP2006_LINEAR = r"""@book{bishop2006pattern,
  title     = {Pattern Recognition and Machine Learning},
  author    = {Bishop, Christopher M.},
  publisher = {Springer},
  year      = {2006},
  note      = {Section 3.3: Bayesian linear regression}
}"""
