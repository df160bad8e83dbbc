"""BibTeX entries for :mod:`effdyn.hmm` and the recurrent emulators that learn its models."""

TORRE2025_MECHANISTIC = r"""@inproceedings{torre2025mechanistic,
  title     = {Mechanistic Interpretability of {RNN}s emulating Hidden {M}arkov Models},
  author    = {Torre, Elia and Viscione, Michele and Pompe, Lucas and Grewe, Benjamin F. and
               Mante, Valerio},
  booktitle = {Advances in Neural Information Processing Systems},
  year      = {2025},
  note      = {arXiv:2510.25674}
}"""

RABINER1989_TUTORIAL = r"""@article{rabiner1989tutorial,
  title   = {A tutorial on hidden {M}arkov models and selected applications in speech recognition},
  author  = {Rabiner, Lawrence R.},
  journal = {Proceedings of the IEEE},
  volume  = {77},
  number  = {2},
  pages   = {257--286},
  year    = {1989}
}"""

BIBTEX = "\n\n".join([TORRE2025_MECHANISTIC, RABINER1989_TUTORIAL])
