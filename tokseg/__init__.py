"""tokseg: AI spend, balances and subscription windows as a status segment.

Kept import-free: every submodule import runs this file, including the hot path.
"""

__version__ = "0.1.0"
