"""Write Volley load-test scenarios in Python.

A scenario is a class with an ``iteration`` method; ``volley.lifecycle``
turns it into the component's export. Build with componentize-py (see
``docs/languages.md``)::

    import volley
    from volley import http, check, sleep, group

    class Shop(volley.Scenario):
        options = {"vus": 5, "duration": "10s",
                   "thresholds": {"http_req_failed": ["rate<0.01"]}}

        def iteration(self):
            res = http.get(volley.env("BASE_URL", "http://127.0.0.1:3030") + "/products")
            check("status is 200", res.status == 200)
            sleep(0.5)

    Lifecycle = volley.lifecycle(Shop)

Every request is timed by the engine on the host; this module only asks.
Checks and custom metric values are buffered in the VU, each stamped when
it was made, and delivered in batches (``volley._record``).

``handle_summary(cls, data)`` (a class method) receives k6's summary data
after the run and returns ``{path: str or bytes}`` (``"stdout"`` and
``"stderr"`` are the streams) instead of the engine's summary.
"""

import json as _json

from componentize_py_types import Err
from wit_world import exports as _exports
from wit_world.imports import vu as _vu

from wit_world.exports import lifecycle as _lc

from . import _record
from . import http, metrics, data, crypto  # noqa: F401  (re-exported modules)

__all__ = [
    "Scenario", "lifecycle", "check", "sleep", "group", "env", "info", "log",
    "random", "abort", "setup_data", "execution", "set_tag", "delete_tag", "tags",
    "flush", "http", "metrics", "data", "crypto",
]

flush = _record.flush

_SETUP_DATA = b""


def check(name, ok, tags=None):
    """Record a check in ``checks``; returns ``ok``. A failed check does not stop the iteration.
    Buffered, stamped now, and delivered with the next batch."""
    ok = bool(ok)
    _record.check(name, ok, list((tags or {}).items()))
    return ok


def sleep(seconds):
    """Pause this virtual user; no thread is held while it sleeps."""
    _record.flush()
    _vu.sleep(max(0, int(seconds * 1_000_000_000)))


class group:
    """``with group("checkout"):`` tags what runs inside with ``group:::checkout``."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        _record.flush()
        _vu.enter_group(self.name)
        return self

    def __exit__(self, *exc):
        _record.flush()
        _vu.exit_group()
        return False


def env(key, default=None):
    """A run variable given with ``--env KEY=VALUE`` (k6's ``__ENV``)."""
    value = _vu.env(key)
    return default if value is None else value


def info():
    """The VU (``id``, ``iteration``, ``iteration_in_scenario``, ``scenario``, ``elapsed`` in ns)."""
    return _vu.info()


_LEVELS = {"debug": _vu.LogLevel.DEBUG, "info": _vu.LogLevel.INFO,
           "warn": _vu.LogLevel.WARN, "error": _vu.LogLevel.ERROR}


def log(message, level="info"):
    """Write a line to the engine's log (``print`` works too)."""
    _vu.log(_LEVELS.get(level, _vu.LogLevel.INFO), str(message))


def random():
    """A float in [0, 1) from this VU's stream, seeded by ``--seed``."""
    return (_vu.random() >> 11) / float(1 << 53)


def random_below(n):
    """An int in [0, n) from this VU's seeded stream."""
    return 0 if n <= 0 else (_vu.random() * n) >> 64


def abort(reason):
    """Stop the whole test now (exit code 108)."""
    _record.flush()
    _vu.abort(str(reason))


def execution():
    """k6's ``k6/execution`` state now: ``vu_id_in_instance``,
    ``vu_id_in_test``, ``vu_iteration_in_instance``,
    ``vu_iteration_in_scenario``, ``scenario_name``, ``scenario_executor``,
    ``scenario_start_time`` (Unix ms), ``scenario_progress``,
    ``scenario_iteration_in_instance``, ``scenario_iteration_in_test``,
    ``instance_*`` counts, ``instance_current_test_run_duration`` (ns) and
    ``test_options`` (the resolved options, parsed)."""
    e = _vu.execution()
    e.test_options = _json.loads(e.test_options or "{}")
    return e


def set_tag(key, value):
    """Tag every sample this VU records from now on (k6's ``exec.vu.tags[key] = value``)."""
    _record.flush()
    _vu.set_tag(str(key), str(value))


def delete_tag(key):
    """Remove a tag set with ``set_tag``."""
    _record.flush()
    _vu.delete_tag(str(key))


def tags():
    """The tags this VU adds to its samples, as a dict."""
    return dict(_vu.get_tags())


def setup_data():
    """The bytes ``setup`` returned, as this VU received them."""
    return _SETUP_DATA


class Scenario:
    """Base class of a scenario: per-VU state lives on the instance.

    Set ``options`` (a dict in k6's options shape), override ``iteration``,
    and optionally the class method ``setup`` (returns bytes or str),
    ``__init__(self, setup_data)``, the class method ``teardown`` and the
    class method ``handle_summary(cls, data)``.

    Several scenarios in one component (k6's ``scenarios`` with ``exec``):
    an iteration of a scenario whose ``exec`` is ``"browse"`` calls the
    method ``browse(self)`` when the class has one, as k6 calls the exported
    function of that name; otherwise ``iteration(self, exec)`` when
    ``iteration`` takes an argument (as the Rust and C SDKs pass it), and
    ``iteration(self)`` for the default scenario.
    """

    options = {}

    def __init__(self, setup_data=b""):
        pass

    @classmethod
    def setup(cls):
        return b""

    def iteration(self):
        raise NotImplementedError("a scenario must define iteration()")

    @classmethod
    def teardown(cls, setup_data):
        pass

    handle_summary = None


def _fail(e):
    return Err(f"{type(e).__name__}: {e}")


def _takes_argument(func):
    """Whether ``func`` (a method, self aside) takes a positional argument."""
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    return code.co_argcount >= 2 or bool(code.co_flags & 0x04)  # 0x04: *args


def _dispatch(cls):
    """The per-iteration call for each ``exec`` name, decided once per name."""
    takes_exec = _takes_argument(cls.iteration)
    chosen = {}

    def call(state, exec):
        f = chosen.get(exec)
        if f is None:
            method = getattr(cls, exec, None) if exec not in ("default", "iteration") else None
            if callable(method) and not isinstance(method, type):
                f = lambda state, exec, m=exec: getattr(state, m)()  # noqa: E731
            elif takes_exec:
                f = lambda state, exec: state.iteration(exec)  # noqa: E731
            elif exec == "default":
                f = lambda state, exec: state.iteration()  # noqa: E731
            else:
                raise ValueError(
                    f"exec: {cls.__name__} has no method {exec!r} and its iteration() "
                    "takes no exec argument")
            chosen[exec] = f
        f(state, exec)

    return call


def _summary_files(out):
    files = []
    for path, content in out.items():
        if isinstance(content, str):
            content = content.encode()
        elif not isinstance(content, (bytes, bytearray)):
            raise TypeError(f"handle_summary: the content of {path!r} must be str or bytes, "
                            f"not {type(content).__name__}")
        files.append(_lc.SummaryFile(path=str(path), content=bytes(content)))
    return files


def lifecycle(cls):
    """The component export for scenario class ``cls``: ``Lifecycle = volley.lifecycle(MyScenario)``.
    Each stage delivers the checks and metric values it buffered before it
    returns, also when it raises."""

    run = _dispatch(cls)

    class Lifecycle(_exports.Lifecycle):
        _vu_state = None

        def options(self):
            o = cls.options
            return o if isinstance(o, str) else _json.dumps(o)

        def setup(self):
            try:
                out = cls.setup()
            except Exception as e:  # noqa: BLE001  (reported as a failed setup)
                raise _fail(e)
            finally:
                _record.flush()
            return out.encode() if isinstance(out, str) else bytes(out or b"")

        def vu_init(self, setup_data):
            global _SETUP_DATA
            _SETUP_DATA = setup_data
            try:
                Lifecycle._vu_state = cls(setup_data)
            except Exception as e:  # noqa: BLE001
                raise _fail(e)
            finally:
                _record.flush()

        def iteration(self, exec):
            try:
                run(Lifecycle._vu_state, exec)
            except Err:
                raise
            except Exception as e:  # noqa: BLE001  (fails this iteration only)
                raise _fail(e)
            finally:
                _record.flush()

        def teardown(self, setup_data):
            try:
                cls.teardown(setup_data)
            except Exception as e:  # noqa: BLE001
                raise _fail(e)
            finally:
                _record.flush()

        def handle_summary(self, summary):
            handler = cls.handle_summary
            if handler is None:
                return None
            try:
                out = handler(_json.loads(summary))
                return None if out is None else _summary_files(out)
            except Exception as e:  # noqa: BLE001
                raise _fail(e)
            finally:
                _record.flush()

    return Lifecycle
