"""BibTeX entries for the methods of :mod:`effdyn.electrolytes` (printed by chapters)."""

MAHDISOLTANI2023_NONEQUILIBRIUM = r"""@article{mahdisoltani2023nonequilibrium,
  title   = {Nonequilibrium phenomena in driven and active {C}oulomb field theories},
  author  = {Mahdisoltani, Saeed and Golestanian, Ramin},
  journal = {Physica A: Statistical Mechanics and its Applications},
  pages   = {127947},
  year    = {2023},
  note    = {arXiv:2207.00467}
}"""

MAHDISOLTANI2021_LONGRANGE = r"""@article{mahdisoltani2021longrange,
  title   = {Long-range fluctuation-induced forces in driven electrolytes},
  author  = {Mahdisoltani, Saeed and Golestanian, Ramin},
  journal = {Physical Review Letters},
  volume  = {126},
  pages   = {158002},
  year    = {2021},
  note    = {arXiv:2011.12821}
}"""

MAHDISOLTANI2021_TRANSIENT = r"""@article{mahdisoltani2021transient,
  title   = {Transient fluctuation-induced forces in driven electrolytes after an electric field
             quench},
  author  = {Mahdisoltani, Saeed and Golestanian, Ramin},
  journal = {New Journal of Physics},
  year    = {2021},
  note    = {arXiv:2104.14498}
}"""

MAHDISOLTANI2021_CHEMOTAXIS = r"""@article{mahdisoltani2021chemotaxis,
  title   = {Nonequilibrium polarity-induced chemotaxis: emergent {G}alilean symmetry and exact
             scaling exponents},
  author  = {Mahdisoltani, Saeed and Ben Al{\`i} Zinati, Riccardo and Duclut, Charlie and
             Gambassi, Andrea and Golestanian, Ramin},
  journal = {Physical Review Research},
  year    = {2021},
  note    = {arXiv:1911.08115}
}"""

DEAN1996_LANGEVIN = r"""@article{dean1996langevin,
  title   = {Langevin equation for the density of a system of interacting {L}angevin processes},
  author  = {Dean, David S.},
  journal = {Journal of Physics A: Mathematical and General},
  volume  = {29},
  pages   = {L613--L617},
  year    = {1996},
  doi     = {10.1088/0305-4470/29/24/001}
}"""
