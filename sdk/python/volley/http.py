"""HTTP requests, timed by the engine (k6's ``http`` module, Pythonic).

``http.get(url, name=None, tags=None, headers=None, timeout=None, ...)``,
``http.post(url, body=None, json=None, ...)``, ``put``, ``patch``,
``delete``, ``head``, and ``http.request(method, url, ...)``. A 4xx/5xx
status is a response; a failed connection, timeout or refused host raises
``HttpError`` (``code`` is k6's ``error_code``, ``kind`` what failed).
``http.batch([...])`` sends ``Request`` objects concurrently;
``http.start(...)`` starts one and returns a ``Pending`` to ``wait()`` for.

A response comes with its status, timings and size; its headers, body and
cookies stay on the host until first read. ``stream=True`` leaves the body
on the connection: read it with ``res.read_chunk()`` or iterate
``res.events()`` (server-sent events, such as an AI model's tokens).

The VU's cookie jar: ``http.jar_set``, ``jar_cookies_for_url``,
``jar_clear``, ``jar_delete``.
"""

import json as _json

from componentize_py_types import Err, Ok
from wit_world.imports import http as _w

from . import _record

_METHODS = {
    "GET": _w.Method_Get, "HEAD": _w.Method_Head, "POST": _w.Method_Post, "PUT": _w.Method_Put,
    "PATCH": _w.Method_Patch, "DELETE": _w.Method_Delete, "OPTIONS": _w.Method_Options,
}


class HttpError(Exception):
    """Why a request got no response: ``code`` (k6's ``error_code``, 1050
    timeout, 1212 connection refused, ...), ``kind`` (``"timeout"``,
    ``"dns"``, ``"connect"``, ``"tls"``, ``"protocol"``, ``"blocked"``,
    ``"invalid"``, ``"interrupted"``, ``"body_too_large"``,
    ``"decompression"``) and ``message``."""

    def __init__(self, code, kind, message):
        super().__init__(f"{kind}: {message} (error code {code})")
        self.code = code
        self.kind = kind
        self.message = message


def _error(e):
    v = e.value
    return HttpError(v.code, v.kind.name.lower(), v.message)


class Event:
    """A server-sent event: ``event``, ``data``, ``id``, ``retry`` (ms) and
    ``at`` (when the engine had it, ns on the monotonic clock)."""

    __slots__ = ("event", "data", "id", "retry", "at")

    def __init__(self, e):
        self.event, self.data, self.id, self.retry, self.at = e.event, e.data, e.id, e.retry, e.at

    def __repr__(self):
        return f"Event(event={self.event!r}, data={self.data!r}, id={self.id!r})"


class Response:
    """A response: ``status``, ``status_text``, ``proto``, ``url``,
    ``remote_ip``, ``remote_port``, ``timings`` (ms, k6's names),
    ``body_size``, ``error_code`` and ``expected`` at once; ``headers``
    (dict, lower-case names), ``body`` (bytes), ``text``, ``json()``,
    ``cookies`` and ``request_headers`` read from the host on first use."""

    def __init__(self, head):
        self.status = head.status
        self.status_text = head.status_text
        self.proto = head.proto
        self.url = head.url
        self.remote_ip = head.remote_ip
        self.remote_port = head.remote_port
        t = head.timings
        # The engine's timings, in milliseconds as k6's res.timings.
        self.timings = {
            "blocked": t.blocked / 1e6, "connecting": t.connecting / 1e6,
            "tls_handshaking": t.tls_handshaking / 1e6, "sending": t.sending / 1e6,
            "waiting": t.waiting / 1e6, "receiving": t.receiving / 1e6, "duration": t.duration / 1e6,
        }
        self.body_size = head.body_size
        self.error_code = head.error_code
        self.expected = head.expected
        self._handle = head.response
        self._headers = None
        self._body = None

    @property
    def headers(self):
        """All headers, names in lower case (repeated ones joined with ", ")."""
        if self._headers is None:
            out = {}
            for k, v in self._handle.headers():
                out[k] = f"{out[k]}, {v}" if k in out else v
            self._headers = out
        return self._headers

    def header(self, name):
        """The first value of header ``name`` (any case), or None."""
        return self.headers.get(name.lower())

    def header_all(self, name):
        """Every value of header ``name``, in order."""
        return self._handle.header_all(name)

    @property
    def body(self):
        """The body as bytes (empty when discarded; for a streamed response,
        what was not read yet)."""
        if self._body is None:
            self._body = self._handle.body()
        return self._body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return _json.loads(self.body)

    @property
    def cookies(self):
        """The cookies the response set: ``{name: [cookie, ...]}``, each with
        ``name``, ``value``, ``domain``, ``path``, ``expires`` (Unix s or
        None), ``max_age``, ``http_only``, ``secure``, ``same_site``."""
        out = {}
        for c in self._handle.cookies():
            out.setdefault(c.name, []).append(c)
        return out

    @property
    def request_headers(self):
        """The headers the request was sent with, the engine's included."""
        return self._handle.request_headers()

    def read_chunk(self, max=65536):
        """The next part of a streamed body (``stream=True``) as ``(data,
        at)``, or None at its end; ``at`` is when its bytes arrived (the
        kernel's receive stamp on Linux, the read's time elsewhere)."""
        _record.flush()
        try:
            c = self._handle.read_chunk(max)
        except Err as e:
            raise _error(e) from None
        return None if c is None else (c.data, c.at)

    def next_event(self):
        """The next server-sent event of a streamed body, or None at its end."""
        _record.flush()
        try:
            e = self._handle.next_event()
        except Err as e:
            raise _error(e) from None
        return None if e is None else Event(e)

    def events(self):
        """The server-sent events of a streamed body, as they arrive."""
        while True:
            e = self.next_event()
            if e is None:
                return
            yield e

    def close(self):
        """End a streamed body now (the connection is closed unless it was
        read to its end)."""
        self._handle.__exit__(None, None, None)


def _cookies(cookies):
    out = []
    for name, c in (cookies or {}).items():
        if isinstance(c, tuple):
            value, replace = c
        else:
            value, replace = c, False
        out.append(_w.RequestCookie(name=name, value=str(value), replace=bool(replace)))
    return out


class Request:
    """A request for ``http.batch`` and ``http.start`` (same arguments as
    ``http.request``): ``expected_statuses=[(200, 299), ...]`` or
    ``no_expectation=True`` (no ``expected_response`` tag, no
    ``http_req_failed`` sample); ``discard_body=True`` counts the body
    without keeping it; ``stream=True`` streams it; ``cookies={"name":
    "value"}`` (``("value", True)`` replaces the jar's cookie of that name)."""

    def __init__(self, method, url, body=None, json=None, headers=None, name=None, tags=None,
                 timeout=None, max_redirects=None, expected_statuses=None, discard_body=False,
                 no_expectation=False, stream=False, cookies=None):
        hdrs = list((headers or {}).items())
        if json is not None:
            body = _json.dumps(json)
            if not any(k.lower() == "content-type" for k, _ in hdrs):
                hdrs.append(("content-type", "application/json"))
        if isinstance(body, str):
            body = body.encode()
        m = method.upper()
        method_value = _METHODS[m]() if m in _METHODS else _w.Method_Other(m)
        if no_expectation:
            expect = _w.Expectation_None_()
        elif expected_statuses:
            expect = _w.Expectation_Statuses([_w.StatusRange(min=lo, max=hi) for lo, hi in expected_statuses])
        else:
            expect = _w.Expectation_Default()
        mode = _w.BodyMode.STREAMED if stream else _w.BodyMode.DISCARD if discard_body else _w.BodyMode.BUFFER
        self.wit = _w.Request(
            method=method_value, url=url, headers=hdrs, body=body or b"",
            timeout=None if timeout is None else int(timeout * 1_000_000_000), name=name,
            tags=list((tags or {}).items()), max_redirects=max_redirects,
            expect=expect, body_mode=mode, cookies=_cookies(cookies),
        )


def request(method, url, **kw):
    """Send one request and wait for the response."""
    req = Request(method, url, **kw).wit
    _record.flush()
    try:
        return Response(_w.send(req))
    except Err as e:
        raise _error(e) from None


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, body=None, **kw):
    return request("POST", url, body=body, **kw)


def put(url, body=None, **kw):
    return request("PUT", url, body=body, **kw)


def patch(url, body=None, **kw):
    return request("PATCH", url, body=body, **kw)


def delete(url, **kw):
    return request("DELETE", url, **kw)


def head(url, **kw):
    return request("HEAD", url, **kw)


def batch(requests):
    """Send ``Request`` objects concurrently; returns Responses or HttpErrors, in order."""
    _record.flush()
    out = []
    for r in _w.batch([r.wit for r in requests]):
        if isinstance(r, Ok):
            out.append(Response(r.value))
        elif isinstance(r, Err):
            out.append(_error(r))
        else:
            out.append(r)
    return out


class Pending:
    """A request started with ``http.start``; it proceeds while the VU does
    other work (k6's ``http.asyncRequest``)."""

    def __init__(self, handle):
        self._handle = handle

    def is_ready(self):
        """Whether the response (or the failure) is there."""
        return self._handle.is_ready()

    def wait(self):
        """Wait for the response; raises ``HttpError`` when there is none."""
        _record.flush()
        try:
            return Response(self._handle.wait())
        except Err as e:
            raise _error(e) from None


def start(method_or_request, url=None, **kw):
    """Start a request and go on: ``http.start("GET", url, ...)`` or
    ``http.start(Request(...))``; returns a ``Pending``."""
    req = method_or_request if isinstance(method_or_request, Request) else Request(method_or_request, url, **kw)
    _record.flush()
    return Pending(_w.start(req.wit))


def jar_set(url, name, value, domain=None, path=None, expires=None, max_age=None, secure=False,
            http_only=False):
    """Set a cookie in the VU's jar for ``url`` (k6's ``jar.set``);
    ``expires`` in Unix seconds, ``max_age`` in seconds."""
    try:
        _w.jar_set(url, name, str(value), _w.CookieOptions(
            domain=domain, path=path, expires=expires, max_age=max_age, secure=secure, http_only=http_only))
    except Err as e:
        raise ValueError(f"jar_set: {e.value}") from None


def jar_cookies_for_url(url):
    """``{name: [value, ...]}`` of the cookies a request to ``url`` would send."""
    out = {}
    for c in _w.jar_cookies_for_url(url):
        out.setdefault(c.name, []).append(c.value)
    return out


def jar_clear(url=None):
    """Remove the jar's cookies for ``url``, or all of them."""
    _w.jar_clear(url)


def jar_delete(url, name):
    """Remove cookie ``name`` for ``url``."""
    _w.jar_delete(url, name)
