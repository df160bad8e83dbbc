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

LANGEVIN_AVERAGING_2026 = r"""@inproceedings{langevin-averaging,
  author        = {Wei, Stanley and Damian, Alex and Lee, Jason D.},
  title         = {Improved High-Dimensional Estimation with {Langevin} Dynamics and Stochastic
                   Weight Averaging},
  booktitle     = {International Conference on Learning Representations ({ICLR})},
  year          = {2026},
  eprint        = {2603.06028},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  url           = {https://arxiv.org/abs/2603.06028},
  note          = {Author list taken from arXiv listing mirrors; OpenReview forum GYXUD3hGTh}
}"""

DAMIAN_NICHANI_GE_LEE_2023 = r"""@inproceedings{damian2023smoothing,
  title     = {Smoothing the Landscape Boosts the Signal for {SGD}: Optimal Sample Complexity
               for Learning Single Index Models},
  author    = {Damian, Alex and Nichani, Eshaan and Ge, Rong and Lee, Jason D.},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {36},
  year      = {2023},
  eprint    = {2305.10633},
  archivePrefix = {arXiv}
}"""

RICHARD_MONTANARI_2014 = r"""@inproceedings{richard2014tensorpca,
  title     = {A statistical model for tensor {PCA}},
  author    = {Richard, Emile and Montanari, Andrea},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {27},
  year      = {2014}
}"""
