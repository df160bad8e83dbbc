"""Neural-network building blocks shared by the chapters.

- :mod:`effdyn.neural.networks`: fully connected networks (:class:`MLP`, :class:`StackedMLP`,
  :func:`tanh_mlp`) and the layer-width check :func:`check_layers`, first written for the
  collective-variable learners of :mod:`effdyn.cvs`.
- :mod:`effdyn.neural.rnn`: the noise-driven ReLU RNN emulator with a hard Gumbel-softmax
  readout (:class:`NoiseDrivenRNN`, :func:`hard_gumbel_softmax`, :func:`train_emulator`),
  first written for the chapter on RNNs emulating hidden Markov models.

Neural ODE/SDE/CDE models, recurrent emulators and other networks that a second chapter may use
belong here, each in its own module, not inside a chapter's sub-package.
"""

from effdyn.neural.networks import ACTIVATIONS, MLP, StackedMLP, check_layers, tanh_mlp
from effdyn.neural.rnn import (
    EmulatorOutput,
    NoiseDrivenRNN,
    TrainingHistory,
    hard_gumbel_softmax,
    train_emulator,
)

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "EmulatorOutput",
    "NoiseDrivenRNN",
    "StackedMLP",
    "TrainingHistory",
    "check_layers",
    "hard_gumbel_softmax",
    "tanh_mlp",
    "train_emulator",
]
