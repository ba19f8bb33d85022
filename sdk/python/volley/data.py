"""Read-only data sets shared by all VUs (k6's SharedArray), given with ``--data NAME=FILE``."""

from wit_world.imports import data as _w


def length(name):
    """How many records data set ``name`` holds (None if the run has none)."""
    return _w.len(name)


def get(name, index):
    """Record ``index`` as text (JSON for JSON and CSV files), or None."""
    return _w.get(name, index)
