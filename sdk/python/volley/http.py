"""HTTP requests, timed by the engine (k6's ``http`` module, Pythonic).

``http.get(url, name=None, tags=None, headers=None, timeout=None)``,
``http.post(url, body=None, json=None, ...)``, ``put``, ``patch``,
``delete``, ``head``, and ``http.request(method, url, ...)``. A 4xx/5xx
status is a response; a failed connection, timeout or denied host raises
``HttpError``. ``http.batch([...])`` sends ``Request`` objects concurrently.
"""

import json as _json

from wit_world.imports import http as _w

_METHODS = {
    "GET": _w.Method_Get, "HEAD": _w.Method_Head, "POST": _w.Method_Post, "PUT": _w.Method_Put,
    "PATCH": _w.Method_Patch, "DELETE": _w.Method_Delete, "OPTIONS": _w.Method_Options,
}


class HttpError(Exception):
    """Why a request got no response (timeout, dns, connect, tls, protocol, denied, invalid)."""

    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind


class Response:
    """A response: ``status``, ``headers`` (dict, lower-case names), ``body`` (bytes), ``url``, ``timings``."""

    def __init__(self, r):
        self.status = r.status
        self.headers = {k: v for k, v in r.headers}
        self.body = r.body
        self.url = r.url
        t = r.timings
        # The engine's timings, in milliseconds as k6's res.timings.
        self.timings = {
            "blocked": t.blocked / 1e6, "connecting": t.connecting / 1e6,
            "tls_handshaking": t.tls_handshaking / 1e6, "sending": t.sending / 1e6,
            "waiting": t.waiting / 1e6, "receiving": t.receiving / 1e6, "duration": t.duration / 1e6,
        }

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return _json.loads(self.body)


class Request:
    """A request for ``http.batch`` (same arguments as ``http.request``)."""

    def __init__(self, method, url, body=None, json=None, headers=None, name=None, tags=None,
                 timeout=None, max_redirects=None, expected_statuses=None, discard_body=False):
        hdrs = list((headers or {}).items())
        if json is not None:
            body = _json.dumps(json)
            if not any(k.lower() == "content-type" for k, _ in hdrs):
                hdrs.append(("content-type", "application/json"))
        if isinstance(body, str):
            body = body.encode()
        m = method.upper()
        method_value = _METHODS[m]() if m in _METHODS else _w.Method_Other(m)
        ranges = [_w.StatusRange(min=lo, max=hi) for lo, hi in (expected_statuses or [])]
        self.wit = _w.Request(
            method=method_value, url=url, headers=hdrs, body=body or b"",
            timeout=None if timeout is None else int(timeout * 1_000_000_000), name=name,
            tags=list((tags or {}).items()), max_redirects=max_redirects,
            expected_statuses=ranges, discard_body=discard_body,
        )


def _error(e):
    v = e.value
    kind = type(v).__name__.replace("Error_", "").lower()
    return HttpError(kind, getattr(v, "value", "") or "")


def request(method, url, **kw):
    """Send one request and wait for the response."""
    from componentize_py_types import Err
    try:
        return Response(_w.send(Request(method, url, **kw).wit))
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
    from componentize_py_types import Err, Ok
    out = []
    for r in _w.batch([r.wit for r in requests]):
        if isinstance(r, Ok):
            out.append(Response(r.value))
        elif isinstance(r, Err):
            out.append(_error(r))
        else:
            out.append(r)
    return out
