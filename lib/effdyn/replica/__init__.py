"""Statistical mechanics of continual learning in binary perceptrons (Li, Huang, Zou, Huang 2023).

Teacher-student data with correlated teachers, the field-space variational learner, the
replica-symmetric saddle points of the first task and of the Franz-Parisi potential of the
second (deterministic quadrature), the classical Gibbs learning curve of the Ising perceptron
and the exact Gibbs posterior of small perceptrons by enumeration.
"""

from effdyn.replica._bib import (
    GYORGYI1990_FIRST,
    LABORIEUX2021_METAPLASTIC,
    LI2023_CONTINUAL,
    SOMPOLINSKY1990_LEARNING,
)
from effdyn.replica.enumeration import EnumeratedPosterior, all_binary_weights, enumerate_posterior
from effdyn.replica.field_space import FieldSpacePerceptron
from effdyn.replica.gibbs import GibbsPoint, IsingPerceptronGibbs
from effdyn.replica.quadrature import (
    gauss_legendre,
    gaussian_quadrature,
    monte_carlo_gaussian,
    monte_carlo_uniform,
)
from effdyn.replica.saddle import (
    FirstTaskSaddle,
    FranzParisiSaddle,
    SaddleSolution,
    bernoulli_kl,
    continuation,
    energetic_conjugates,
    energetic_term,
    first_task_entropic,
)
from effdyn.replica.special import gaussian_tail, log_gaussian_tail
from effdyn.replica.teacher_student import (
    TeacherStudent,
    correlated_teacher,
    generalisation_error,
    perceptron_labels,
)

__all__ = [
    "GYORGYI1990_FIRST",
    "LABORIEUX2021_METAPLASTIC",
    "LI2023_CONTINUAL",
    "SOMPOLINSKY1990_LEARNING",
    "EnumeratedPosterior",
    "FieldSpacePerceptron",
    "FirstTaskSaddle",
    "GibbsPoint",
    "IsingPerceptronGibbs",
    "TeacherStudent",
    "all_binary_weights",
    "correlated_teacher",
    "enumerate_posterior",
    "generalisation_error",
    "perceptron_labels",
    "FranzParisiSaddle",
    "SaddleSolution",
    "bernoulli_kl",
    "continuation",
    "energetic_conjugates",
    "energetic_term",
    "first_task_entropic",
    "gauss_legendre",
    "gaussian_quadrature",
    "gaussian_tail",
    "log_gaussian_tail",
    "monte_carlo_gaussian",
    "monte_carlo_uniform",
]
