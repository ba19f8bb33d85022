"""Checks and custom metric values, buffered in the VU and delivered in one
host call (``metrics.record-batch``): a check costs a list append and a clock
read, not a trip across the component boundary. Each entry is stamped with
``time.monotonic_ns()``, which CPython on WASI reads from
``wasi:clocks/monotonic-clock`` (wasi-libc's ``CLOCK_MONOTONIC``), the clock
the engine stamps its own samples with, so a sample's time is when it was
made however late it arrives.

The buffer is delivered before every request, wait, sleep and streamed
read, before groups and VU tags change, before an abort, at the end of
every lifecycle stage (also when it raises), and when it holds
``MAX_BUFFERED`` entries.
"""

import time as _time

from wit_world.imports import metrics as _w

MAX_BUFFERED = 256

_buffer = []
_now = _time.monotonic_ns


def check(name, ok, tags):
    _buffer.append(_w.Entry_Check(_w.CheckEntry(name=name, ok=ok, tags=tags, at=_now())))
    if len(_buffer) >= MAX_BUFFERED:
        flush()


def add(metric, value, tags):
    _buffer.append(_w.Entry_Add(_w.AddEntry(metric=metric, value=value, tags=tags, at=_now())))
    if len(_buffer) >= MAX_BUFFERED:
        flush()


def flush():
    """Deliver what is buffered."""
    global _buffer
    if _buffer:
        entries = _buffer
        _buffer = []
        _w.record_batch(entries)
