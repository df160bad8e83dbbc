"""Neural-network building blocks shared by the chapters.

- :mod:`effdyn.neural.networks`: fully connected networks (:class:`MLP`, :class:`StackedMLP`,
  :func:`tanh_mlp`) and the layer-width check :func:`check_layers`, first written for the
  collective-variable learners of :mod:`effdyn.cvs`.

Neural ODE/SDE/CDE models, recurrent emulators and other networks that a second chapter may use
belong here, each in its own module, not inside a chapter's sub-package.
"""

from effdyn.neural.networks import ACTIVATIONS, MLP, StackedMLP, check_layers, tanh_mlp

__all__ = ["ACTIVATIONS", "MLP", "StackedMLP", "check_layers", "tanh_mlp"]
