"""BibTeX entries of the methods in :mod:`effdyn.ode`."""

BUTCHER_2016 = r"""@book{butcher2016numerical,
  title     = {Numerical Methods for Ordinary Differential Equations},
  author    = {Butcher, John C.},
  edition   = {3},
  publisher = {Wiley},
  year      = {2016}
}"""
