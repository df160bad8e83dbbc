"""BibTeX entries for the methods of :mod:`effdyn.replica` (printed by chapters that use them)."""

LI2023_CONTINUAL = r"""@article{li2023statistical,
  title   = {Statistical mechanics of continual learning: variational principle and mean-field
             potential},
  author  = {Li, Chan and Huang, Zhenye and Zou, Wenxuan and Huang, Haiping},
  journal = {Physical Review E},
  volume  = {108},
  number  = {1},
  pages   = {014309},
  year    = {2023},
  note    = {arXiv:2212.02846}
}"""

GYORGYI1990_FIRST = r"""@article{gyorgyi1990first,
  title   = {First-order transition to perfect generalization in a neural network with binary
             synapses},
  author  = {Gy{\"o}rgyi, G{\'e}za},
  journal = {Physical Review A},
  volume  = {41},
  number  = {12},
  pages   = {7097--7100},
  year    = {1990}
}"""

SOMPOLINSKY1990_LEARNING = r"""@article{sompolinsky1990learning,
  title   = {Learning from examples in large neural networks},
  author  = {Sompolinsky, Haim and Tishby, Naftali and Seung, H. Sebastian},
  journal = {Physical Review Letters},
  volume  = {65},
  number  = {13},
  pages   = {1683--1686},
  year    = {1990}
}"""

LABORIEUX2021_METAPLASTIC = r"""@article{laborieux2021synaptic,
  title   = {Synaptic metaplasticity in binarized neural networks},
  author  = {Laborieux, Axel and Ernoult, Maxence and Hirtzlin, Tifenn and Querlioz, Damien},
  journal = {Nature Communications},
  volume  = {12},
  pages   = {2549},
  year    = {2021}
}"""
