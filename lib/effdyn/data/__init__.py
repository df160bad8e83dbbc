"""Data sets the chapters use: generated on the fly, or shipped inside a PyPI package.

Nothing here downloads at run time. Each data set lives in its own module, documents where its
numbers come from and is re-exported here.

- :mod:`effdyn.data.digits`: scikit-learn's 8x8 digits, with intensities binned into K categories.
"""

from effdyn.data.digits import BinnedDigits, bin_intensities, load_digits_binned

__all__: list[str] = ["BinnedDigits", "bin_intensities", "load_digits_binned"]
