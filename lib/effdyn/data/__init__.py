"""Data sets the chapters use: generated on the fly, or shipped inside a PyPI package.

Nothing here downloads at run time. Each data set lives in its own module, documents where its
numbers come from and is re-exported here.
"""

__all__: list[str] = []
