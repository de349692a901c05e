"""The fast canonical JSON writes exactly the bytes of the RFC 8785 reference (``rfc8785.dumps``).

Documents are generated from fixed seeds: strings full of control characters, quotes,
backslashes, non-ASCII, U+2028 and emoji, integers up to the safe limit, nested dicts and lists.
The documents the fast path takes are compared with the reference *through the standard encoder
itself*, so the claim the fast path rests on is what is tested; the others (floats, keys beyond
the BMP, integers out of range, lone surrogates) must go to the reference.
"""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from apps.audit import batches
from apps.audit.batches import row_payload
from apps.audit.canonical import _plain, canonical_json
from apps.audit.models import CANONICAL_FIELDS, canonical_bytes, format_time

# Every control character, the characters JSON escapes, the edges of ASCII, Latin-1, the BMP
# (U+2028, the private-use area, U+FFFF) and beyond it (emoji, supplementary ideographs).
ALPHABET = (
    [chr(c) for c in range(0x20)]
    + list(" \"\\/'azAZ09~\x7f\x80\xa0\xe9\xff")
    + ["\u0100", "\u2028", "\u2029", "\u20ac", "\u4e2d", "\ud7ff", "\ue000", "\uf8ff", "\ufeff", "\uffff"]
    + ["\U0001f600", "\U0001f1eb\U0001f1f7", "\U00020000", "\U0010ffff"]
)
BMP_ALPHABET = [c for c in ALPHABET if len(c) == 1 and ord(c) <= 0xFFFF]
SAFE = 2**53 - 1


def text(rng: random.Random, alphabet=ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def plain_value(rng: random.Random, depth: int = 0):
    kind = rng.randint(0, 8 if depth < 3 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, SAFE, -SAFE, rng.randint(-SAFE, SAFE), rng.randint(-1000, 1000)])
    if kind in (3, 4):
        return text(rng)
    if kind in (5, 6):
        return {text(rng, BMP_ALPHABET): plain_value(rng, depth + 1) for _ in range(rng.randint(0, 6))}
    return [plain_value(rng, depth + 1) for _ in range(rng.randint(0, 6))]


def plain_document(rng: random.Random) -> dict:
    return {text(rng, BMP_ALPHABET): plain_value(rng) for _ in range(rng.randint(0, 10))}


def stdlib(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("seed", range(20))
def test_stdlib_encoder_equals_rfc8785_on_plain_documents(seed):
    rng = random.Random(seed)
    for _ in range(500):
        document = plain_document(rng)
        assert _plain(document)
        assert stdlib(document) == rfc8785.dumps(document), document
        assert canonical_json(document) == rfc8785.dumps(document)


def test_generated_documents_cover_the_hard_cases():
    """The comparison above is only worth something if the documents hold the hard cases."""
    rng = random.Random(0)
    seen = "".join(stdlib(plain_document(rng)).decode() for _ in range(500))
    for needle in ('\\"', "\\\\", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u0000", "\\u001f", "\x7f", "\u2028", "😀"):
        assert needle in seen, needle
    assert str(SAFE) in seen
    assert "[[" in seen or "[{" in seen  # nesting


@pytest.mark.parametrize(
    "document",
    [
        {"n": 1.0},
        {"n": 1e-7},
        {"n": 1e20},
        {"n": -0.0},
        {"n": [1, {"x": 2.5e-7}]},
        # UTF-16 puts a surrogate pair (U+1F600) before U+FFFF; code points put it after.
        {"\U0001f600": 1, "\uffff": 2},
        {"a": {"\U0001f600": 1, "\ue000": 2}},
    ],
)
def test_documents_the_stdlib_writes_differently_go_to_the_reference(document):
    assert not _plain(document)
    assert stdlib(document) != rfc8785.dumps(document)
    assert canonical_json(document) == rfc8785.dumps(document)


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"n": 2**53}, rfc8785.IntegerDomainError),
        ({"n": -(2**53)}, rfc8785.IntegerDomainError),
        ({"n": float("nan")}, rfc8785.FloatDomainError),
        ({"s": "\ud800"}, rfc8785.CanonicalizationError),  # a lone surrogate
        ({1: "non-string key"}, rfc8785.CanonicalizationError),
    ],
)
def test_what_the_reference_refuses_is_refused(document, error):
    with pytest.raises(error):
        rfc8785.dumps(document)
    with pytest.raises(error):
        canonical_json(document)


def event_values(rng: random.Random) -> dict:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    data = plain_document(rng) if rng.random() < 0.8 else {"ratio": rng.random(), "\U0001f600": 1}
    return {
        "seq": rng.randint(1, SAFE),
        "occurred_at": start + timedelta(microseconds=rng.randint(0, 10**15) * rng.randint(0, 1)),
        "actor_id": rng.choice([None, rng.randint(1, 10**9)]),
        "actor_name": text(rng),
        "actor_role": text(rng),
        "actor_kind": rng.choice(["staff", "organisation", "system"]),
        "action": text(rng),
        "object_type": text(rng),
        "object_id": text(rng),
        "case_id": rng.choice([None, rng.randint(1, 10**9)]),
        "summary": text(rng),
        "data": rng.choice([{}, data]),
        "ip": rng.choice([None, "192.0.2.1", "2001:db8::1"]),
    }


def reference_bytes(values: dict) -> bytes:
    """An event's canonical bytes by the reference implementation alone."""
    document = {name: values[name] for name in CANONICAL_FIELDS}
    document["occurred_at"] = format_time(values["occurred_at"])
    return rfc8785.dumps(document)


@pytest.mark.parametrize("seed", range(5))
def test_row_payload_equals_canonical_bytes(seed):
    """What ``audit_record`` hashes (``canonical_bytes``) and what verification hashes are the
    reference's bytes."""
    rng = random.Random(seed)
    for _ in range(400):
        values = event_values(rng)
        row = [values[name] for name in CANONICAL_FIELDS]
        row[1] = format_time(values["occurred_at"])
        expected = reference_bytes(values)
        assert canonical_bytes(values) == expected
        assert row_payload(row) == expected
        row[11] = json.dumps(values["data"])  # data as JSON text, as COPY gives it
        assert row_payload(row) == expected


# PostgreSQL's COPY text output of ``batches.COPY_SELECT``: backslash escapes, \N for NULL (but
# '' for the numbers), the time formatted, JSONB's own spelling of the data (spaces after ``:``, ``,``).
COPY_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def copy_line(values: dict) -> bytes:
    fields = []
    for name in CANONICAL_FIELDS:
        value = values[name]
        if name == "occurred_at":
            value = format_time(value)
        elif name == "data":
            value = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        if value is None:
            fields.append("" if name in ("actor_id", "case_id") else "\\N")
        else:
            fields.append("".join(COPY_ESCAPES.get(c, c) for c in str(value)))
    fields += ["a" * 64, "b" * 64, "", ""]
    return "\t".join(fields).encode() + b"\n"


TAME = [*"azAZ09 .,;:/-_'éèçàÉ€", "\u2028", "\x7f", "\U0001f600", "\u4e2d"]


@pytest.mark.parametrize("seed", range(5))
def test_copy_text_gives_the_canonical_bytes(seed):
    """The bytes verification hashes from a COPY line, fast path or not, are ``canonical_bytes``:
    each line alone, and all in one batch (where one escape anywhere makes every line be looked at
    more closely)."""
    rng = random.Random(seed)
    fast = 0
    lines, expected = [], []
    for i in range(400):
        values = event_values(rng)
        if i % 2:  # strings COPY and JSON write as they are: the fast path
            for name in ("actor_name", "actor_role", "action", "object_type", "object_id", "summary"):
                values[name] = text(rng, TAME)
            values["data"] = rng.choice([{}, {"n": rng.randint(-SAFE, SAFE), "s": text(rng, TAME), "l": [None, True]}])
            values["seq"] = rng.randint(1, 10**15 - 1)
            if i % 4 == 3:  # a quote, and nothing else to escape
                values["summary"] = f'say "{values["summary"]}"'
        line = copy_line(values)
        fields = line.split(b"\t")
        head = b"\t".join(fields[:11])
        fast += len(head.translate(None, b'"\\' + bytes(range(9)))) == len(head) and len(fields[0]) < 16
        ((seq, case_id, *_hashes, payload),) = batches._copy_events(line)
        assert (seq, case_id) == (values["seq"], values["case_id"])
        assert payload == reference_bytes(values), line
        lines.append(line)
        expected.append(reference_bytes(values))
    assert fast > 50
    assert [event[-1] for event in batches._copy_events(b"".join(lines))] == expected
    controls = bytes(range(9)) + bytes(range(11, 32))  # but the tab and the newline
    tame = [line for line in lines if b"\\" not in line and line.translate(None, controls) == line]
    assert len(tame) > 100
    assert [event[-1] for event in batches._copy_events(b"".join(tame))] == [
        expected[lines.index(line)] for line in tame
    ]
