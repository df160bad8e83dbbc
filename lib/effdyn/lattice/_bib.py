"""BibTeX entries for the methods of :mod:`effdyn.lattice` (printed by chapters that use them)."""

FAN2026_EQUIVARIANT = r"""@article{fan2026equivariant,
  title   = {Equivariant Neural Networks for Force-Field Models of Lattice Systems},
  author  = {Fan, Yunhao and Chern, Gia-Wei},
  journal = {arXiv preprint arXiv:2601.04104},
  year    = {2026}
}"""

HOLSTEIN1959_POLARON = r"""@article{holstein1959studies,
  title   = {Studies of polaron motion: Part {I}. {T}he molecular-crystal model},
  author  = {Holstein, Theodore},
  journal = {Annals of Physics},
  volume  = {8},
  number  = {3},
  pages   = {325--342},
  year    = {1959}
}"""

COHEN2016_GROUP = r"""@inproceedings{cohen2016group,
  title     = {Group Equivariant Convolutional Networks},
  author    = {Cohen, Taco and Welling, Max},
  booktitle = {Proceedings of the 33rd International Conference on Machine Learning},
  pages     = {2990--2999},
  year      = {2016}
}"""
