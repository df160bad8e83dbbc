"""scikit-learn's 8x8 handwritten digits (shipped inside scikit-learn; nothing is downloaded).

1,797 images of 8x8 pixels with integer intensities 0..16 (Alpaydin and Kaynak, UCI
"Optical Recognition of Handwritten Digits", test part), labels 0..9. :func:`load_digits_binned`
bins the intensities into ``K`` equal categories for models with one-hot pixels: intensity
``v / 16`` falls in category ``min(floor(K v / 16), K - 1)``; ``K = 2`` thresholds at one half, as
``num_classes = 2`` in the code of Feng, Winston and Kolter (2023).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BinnedDigits", "bin_intensities", "load_digits_binned"]

MAX_INTENSITY = 16


def bin_intensities(pixels: np.ndarray, k: int) -> np.ndarray:
    """Categories ``0..K-1`` of intensities ``0..16`` (integer array of the same shape)."""
    k = int(k)
    if k < 2:
        raise ValueError(f"K (categories per pixel) must be at least 2, got {k}")
    x = np.asarray(pixels, dtype=float) / MAX_INTENSITY
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError("pixels must be intensities in 0..16")
    return np.minimum(np.floor(k * x), k - 1).astype(np.int64)


@dataclass
class BinnedDigits:
    """A train/test split of the binned digits.

    Attributes
    ----------
    k : int
        Categories per pixel.
    x_train, x_test : ndarray of int, shape (n, 64)
        Pixel categories, row-major 8x8.
    y_train, y_test : ndarray of int
        Labels 0..9.
    raw_train, raw_test : ndarray of float, shape (n, 64)
        The original intensities 0..16.
    """

    k: int
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray
    raw_test: np.ndarray


def load_digits_binned(k: int = 4, *, test_fraction: float = 0.3, seed: int = 0) -> BinnedDigits:
    """Load sklearn's digits, bin them into ``K`` categories and split them (stratified).

    Parameters
    ----------
    k : int
        Categories per pixel, at least 2.
    test_fraction : float
        Fraction of images held out, in (0, 1).
    seed : int
        Seed of the split.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    bunch = load_digits()
    raw = bunch.data.astype(float)
    y = bunch.target.astype(np.int64)
    bins = bin_intensities(raw, k)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=y)
    return BinnedDigits(int(k), bins[tr], bins[te], y[tr], y[te], raw[tr], raw[te])
