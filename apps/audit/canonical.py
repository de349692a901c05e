"""RFC 8785 canonical JSON, fast for the values the audit log holds.

The ``rfc8785`` package is the reference but runs in pure Python (~30 µs for an event). For
documents made only of strings, integers in the IEEE-754 safe range, booleans, ``None`` and
dicts (string keys inside the Basic Multilingual Plane) and lists of those, the standard
library's C encoder with sorted keys, no whitespace and ``ensure_ascii=False`` writes the same
bytes:

- strings: both escape ``"``, ``\\`` and the control characters U+0000 to U+001F — ``\\b \\f \\n
  \\r \\t`` by name, the others as ``\\u00xx`` in lower-case hex — and write everything else,
  U+007F, U+2028 and non-BMP characters included, as UTF-8;
- integers: both write the decimal digits; RFC 8785 refuses integers beyond ±(2**53 - 1),
  which the fast path leaves to the reference (so it refuses them too);
- keys: RFC 8785 orders them by UTF-16 code units, Python by code points; the two orders agree
  while no key holds a character above U+FFFF (a surrogate pair sorts below U+E000 to U+FFFF in
  UTF-16), so such documents go to the reference;
- floats: RFC 8785 uses ECMAScript's number formatting (``1.0`` → ``1``, ``1e21``), which
  ``json`` does not: any float goes to the reference.

Anything else (a lone surrogate, a tuple, a subclass, a non-string key) also goes to the
reference, which decides. ``tests/audit/test_canonical.py`` compares both on generated
documents.
"""

from __future__ import annotations

import json

import rfc8785

_INT_MIN = -(2**53) + 1
_INT_MAX = 2**53 - 1


def _refuse(value):
    raise TypeError(f"{type(value).__name__} is not JSON")


def _encoder():
    """The C encoder json.dumps would build on each call, built once (half the cost of a small
    document): sorted keys, no whitespace, strings as UTF-8 (``encode_basestring``, not the ASCII
    one), no circular check (plain values are trees). ``json.JSONEncoder`` if the C encoder is
    missing or its signature changed: the same bytes, only slower."""
    try:
        c_encode = json.encoder.c_make_encoder(
            None, _refuse, json.encoder.encode_basestring, None, ":", ",", True, False, True
        )
    except TypeError:  # None (no C accelerator), or another signature
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode
    return lambda document: "".join(c_encode(document, 0))


_encode = _encoder()


def _plain(value) -> bool:
    """True if ``value`` holds only what the fast encoder writes exactly as RFC 8785 does."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                return False
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is int:
                if not _INT_MIN <= item <= _INT_MAX:
                    return False
            elif not _plain(item):
                return False
        return True
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return _INT_MIN <= value <= _INT_MAX
    if kind is list:
        return all(_plain(item) for item in value)
    return False


def canonical_json(document) -> bytes:
    """RFC 8785 bytes of ``document``: the C encoder when it is exact, the reference otherwise."""
    if _plain(document):
        try:
            return _encode(document).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: the reference refuses it with its own error
    return rfc8785.dumps(document)
