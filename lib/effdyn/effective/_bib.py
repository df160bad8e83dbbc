"""BibTeX records of the methods in :mod:`effdyn.effective`."""

FENG_2023 = r"""@article{feng2023learning,
  author  = {Feng, Lingyu and Gao, Ting and Dai, Min and Duan, Jinqiao},
  title   = {Learning effective dynamics from data-driven stochastic systems},
  journal = {Chaos: An Interdisciplinary Journal of Nonlinear Science},
  volume  = {33},
  number  = {4},
  pages   = {043131},
  year    = {2023},
  doi     = {10.1063/5.0126667},
  eprint  = {2205.04151},
  archivePrefix = {arXiv}
}"""

KRAMERS_MOYAL = r"""@article{friedrich2000extracting,
  author  = {Friedrich, Rudolf and Siegert, Silke and Peinke, Joachim and L{\"u}ck, Stephan and
             Siefert, Malte and Lindemann, Michael and Raethjen, Jan and Deuschl, G{\"u}nther and
             Pfister, Gerd},
  title   = {Extracting model equations from experimental data},
  journal = {Physics Letters A},
  volume  = {271},
  number  = {3},
  pages   = {217--222},
  year    = {2000},
  doi     = {10.1016/S0375-9601(00)00334-0}
}"""

GARDINER_MFPT = r"""@book{gardiner2009stochastic,
  author    = {Gardiner, Crispin},
  title     = {Stochastic Methods: A Handbook for the Natural and Social Sciences},
  edition   = {4},
  publisher = {Springer},
  address   = {Berlin},
  year      = {2009}
}"""

KNN_BANDWIDTH = r"""@article{loftsgaarden1965nonparametric,
  author  = {Loftsgaarden, Don O. and Quesenberry, Charles P.},
  title   = {A Nonparametric Estimate of a Multivariate Density Function},
  journal = {The Annals of Mathematical Statistics},
  volume  = {36},
  number  = {3},
  pages   = {1049--1051},
  year    = {1965},
  doi     = {10.1214/aoms/1177700079}
}"""
