"""Hashes, HMACs and random bytes computed on the host (k6's ``k6/crypto``):
``crypto.sha256(b"...")`` returns the digest's bytes; ``.hex()`` them, or
pass ``encoding="hex"`` / ``"base64"``. Strings are hashed as UTF-8."""

import base64 as _b64

from wit_world.imports import crypto as _w

_ALGORITHMS = {
    "md5": _w.Algorithm.MD5, "sha1": _w.Algorithm.SHA1, "sha256": _w.Algorithm.SHA256,
    "sha384": _w.Algorithm.SHA384, "sha512": _w.Algorithm.SHA512,
    "sha512_224": _w.Algorithm.SHA512_224, "sha512_256": _w.Algorithm.SHA512_256,
}

MAX_RANDOM = 65536


def _bytes(data):
    return data.encode() if isinstance(data, str) else bytes(data)


def _algorithm(name):
    a = _ALGORITHMS.get(name.replace("-", "_"))
    if a is None:
        raise ValueError(f"unknown hash algorithm {name!r}; use one of {', '.join(_ALGORITHMS)}")
    return a


def _encoded(digest, encoding):
    if encoding is None or encoding == "binary":
        return digest
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return _b64.b64encode(digest).decode()
    if encoding == "base64url":
        return _b64.urlsafe_b64encode(digest).decode()
    if encoding == "base64rawurl":
        return _b64.urlsafe_b64encode(digest).decode().rstrip("=")
    raise ValueError(f"unknown encoding {encoding!r}; use hex, base64, base64url, base64rawurl or binary")


def hash(algorithm, data, encoding=None):  # noqa: A001  (k6's name)
    """The digest of ``data`` with ``algorithm`` (``"sha256"``, ``"md5"``, ...)."""
    return _encoded(_w.hash(_algorithm(algorithm), _bytes(data)), encoding)


def hmac(algorithm, key, data, encoding=None):
    """HMAC of ``data`` under ``key``."""
    return _encoded(_w.hmac(_algorithm(algorithm), _bytes(key), _bytes(data)), encoding)


def random_bytes(n):
    """``n`` cryptographically random bytes."""
    out = bytearray()
    while len(out) < n:
        out += _w.random_bytes(min(MAX_RANDOM, n - len(out)))
    return bytes(out)


def md5(data, encoding=None):
    return hash("md5", data, encoding)


def sha1(data, encoding=None):
    return hash("sha1", data, encoding)


def sha256(data, encoding=None):
    return hash("sha256", data, encoding)


def sha384(data, encoding=None):
    return hash("sha384", data, encoding)


def sha512(data, encoding=None):
    return hash("sha512", data, encoding)
