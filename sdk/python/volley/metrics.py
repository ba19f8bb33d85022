"""Custom metrics: ``Counter``, ``Gauge``, ``Rate`` and ``Trend``, as in k6.
Values are buffered and stamped when added, as checks are (``_record``)."""

from wit_world.imports import metrics as _w

from . import _record


class _Metric:
    _kind = None

    def __init__(self, name, time=False):
        vt = _w.ValueType.TIME if time else _w.ValueType.DEFAULT
        self.name = name
        self._id = _w.define(name, self._kind, vt)

    def add(self, value, tags=None):
        _record.add(self._id, float(value), list((tags or {}).items()))


class Counter(_Metric):
    """A sum, shown as count and rate per second."""
    _kind = _w.MetricKind.COUNTER


class Gauge(_Metric):
    """The last value set, with min and max."""
    _kind = _w.MetricKind.GAUGE


class Trend(_Metric):
    """A distribution (avg, min, med, max, p(N)); ``Trend("x", time=True)`` for milliseconds."""
    _kind = _w.MetricKind.TREND


class Rate(_Metric):
    """The share of true samples."""
    _kind = _w.MetricKind.RATE

    def add(self, value, tags=None):
        super().add(1.0 if value else 0.0, tags)
