"""The book's figure style is a real matplotlib style and changes the defaults it names."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from effdyn.plotting import STYLE_FILE, use_book_style  # noqa: E402


def test_book_style_sets_what_its_file_says():
    with plt.style.context("default"):
        assert plt.rcParams["axes.spines.top"]
        use_book_style()
        assert not plt.rcParams["axes.spines.top"]
        assert plt.rcParams["axes.prop_cycle"].by_key()["color"][0] == "#2f6f8f"
        assert plt.rcParams["legend.frameon"] is False


def test_style_file_is_shipped_with_the_package():
    assert STYLE_FILE.is_file() and STYLE_FILE.suffix == ".mplstyle"
