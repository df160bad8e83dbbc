"""BibTeX entries for the methods of :mod:`effdyn.optim` (printed by chapters that use them)."""

RIEDL2023_GRADIENT = r"""@article{riedl2023gradient,
  title   = {Gradient is All You Need? {H}ow Consensus-Based Optimization can be Interpreted
             as a Stochastic Relaxation of Gradient Descent},
  author  = {Riedl, Konstantin and Klock, Timo and Geldhauser, Carina and Fornasier, Massimo},
  journal = {arXiv preprint arXiv:2306.09778},
  year    = {2023}
}"""

PINNAU2017_CBO = r"""@article{pinnau2017consensus,
  title   = {A consensus-based model for global optimization and its mean-field limit},
  author  = {Pinnau, Ren{\'e} and Totzeck, Claudia and Tse, Oliver and Martin, Stephan},
  journal = {Mathematical Models and Methods in Applied Sciences},
  volume  = {27},
  number  = {01},
  pages   = {183--204},
  year    = {2017}
}"""

CARRILLO2021_ANISOTROPIC = r"""@article{carrillo2021consensus,
  title   = {A consensus-based global optimization method for high dimensional machine
             learning problems},
  author  = {Carrillo, Jos{\'e} A. and Jin, Shi and Li, Lei and Zhu, Yuhua},
  journal = {ESAIM: Control, Optimisation and Calculus of Variations},
  volume  = {27},
  pages   = {S5},
  year    = {2021}
}"""

FORNASIER2024_LAPLACE = r"""@article{fornasier2024consensus,
  title   = {Consensus-based optimization methods converge globally},
  author  = {Fornasier, Massimo and Klock, Timo and Riedl, Konstantin},
  journal = {SIAM Journal on Optimization},
  volume  = {34},
  number  = {3},
  pages   = {2973--3004},
  year    = {2024}
}"""

WELLING2011_SGLD = r"""@inproceedings{welling2011bayesian,
  title     = {Bayesian Learning via Stochastic Gradient {L}angevin Dynamics},
  author    = {Welling, Max and Teh, Yee Whye},
  booktitle = {Proceedings of the 28th International Conference on Machine Learning},
  pages     = {681--688},
  year      = {2011}
}"""
