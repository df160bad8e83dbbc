"""effdyn: solvers and learners for the effective dynamics of stochastic and many-body systems.

The library behind the effdyn compendium: every chapter of the book calls it, and nothing that a
chapter computes lives only in the chapter.
"""

__version__ = "0.1.0"
