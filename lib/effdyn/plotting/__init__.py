"""The book's figure style: one matplotlib style file for every chapter.

Chapters call :func:`use_book_style` in their set-up cell, so that every figure of the book has
the same fonts, colours and layout. The style lives in ``book.mplstyle`` beside this module.
"""

from __future__ import annotations

from pathlib import Path

STYLE_FILE = Path(__file__).with_name("book.mplstyle")

__all__ = ["STYLE_FILE", "use_book_style"]


def use_book_style() -> None:
    """Apply the book's matplotlib style (``book.mplstyle``) to every later figure."""
    import matplotlib.pyplot as plt

    plt.style.use(STYLE_FILE)
