"""Driving the hostile corpus through an upload path and judging each attempt.

Each attempt must end one of two ways:

- **refused**: a 4xx with a message naming the reason, and nothing left behind — no new row, no new
  stored file, no temporary file;
- **accepted and inert**: exactly one new item, whose download is an attachment with ``nosniff``, a
  passive Content-Type, a safe file name whose extension matches the type, and the very bytes sent;
  its text extraction (search) ends with a status, quickly, whatever the file holds.

Anything else (a 5xx, a refused file that left something, a must-refuse file accepted, an unsafe
download) is a failure, listed with the file's name at the end.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from apps.evidence.choices import ExtractionStatus
from apps.evidence.text import blob_text_extract
from apps.evidence.uploads import INERT_DOWNLOAD_TYPE, MAX_FILENAME_CHARS, TYPE_EXTENSIONS

from .hostile_corpus import Hostile

BOUNDARY = "----cnilcaseHostileCorpusBoundary"
# Types a browser would render or run, were one ever served.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/x-shockwave-flash",
    "text/x-component",
}
MAX_EXTRACTION_SECONDS = 30


def multipart_body(fields: dict[str, str], file_field: str, name: str, content: bytes) -> bytes:
    """A multipart body as a browser builds it (the name's quote, CR and LF percent-encoded, as the
    HTML standard says; every other byte of the name sent as it is — NUL and control characters too)."""
    escaped = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + escaped.encode("utf-8")
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def raw_headers(name: str) -> dict[str, str]:
    """The raw-body upload's headers, as ``static/evidence/upload.js`` sends them."""
    return {"X-Filename": quote(name, safe=""), "Accept": "application/json"}


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def download_filename(disposition: str) -> str:
    for part in disposition.split(";"):
        part = part.strip()
        if part.startswith("filename*=utf-8''"):
            return unquote(part[len("filename*=utf-8''") :])
    for part in disposition.split(";"):
        part = part.strip()
        if part.startswith("filename="):
            return part[len("filename=") :].strip('"').replace('\\"', '"').replace("\\\\", "\\")
    return ""


def serving_problems(response, original: bytes) -> list[str]:
    """What is unsafe about this download of a stored file (nothing: an empty list)."""
    problems = []
    if response.status_code != 200:
        return [f"download answered {response.status_code}"]
    disposition = response.get("Content-Disposition", "")
    if not disposition.startswith("attachment"):
        problems.append(f"not an attachment: {disposition!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    if media_type in ACTIVE_TYPES or (media_type not in TYPE_EXTENSIONS and media_type != INERT_DOWNLOAD_TYPE):
        problems.append(f"served as {media_type}")
    name = download_filename(disposition)
    allowed = TYPE_EXTENSIONS.get(media_type, ("bin",))
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in allowed:
        problems.append(f"download name {name!r} does not end with an extension of {media_type}")
    if any(unicodedata.category(ch)[0] == "C" for ch in name) or "/" in name or "\\" in name:
        problems.append(f"unsafe download name {name!r}")
    if not name or len(name) > MAX_FILENAME_CHARS or name.startswith("."):
        problems.append(f"download name {name!r} empty, hidden or too long")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body != original:
        problems.append("the bytes served are not the bytes uploaded")
    return problems


def extraction_problems(blob) -> tuple[list[str], float]:
    """Run the text extraction that search would run on the stored file: it must end with a status."""
    started = time.monotonic()
    try:
        status = blob_text_extract(blob_id=blob.pk)
    except Exception as error:  # any exception is the finding
        return [f"text extraction raised {type(error).__name__}: {error}"], time.monotonic() - started
    elapsed = time.monotonic() - started
    problems = []
    if status not in {ExtractionStatus.DONE, ExtractionStatus.FAILED, ExtractionStatus.UNSUPPORTED}:
        problems.append(f"text extraction ended as {status!r}")
    if elapsed > MAX_EXTRACTION_SECONDS:
        problems.append(f"text extraction took {elapsed:.0f} s")
    return problems, elapsed


@dataclass
class Tally:
    """Per path, how many hostile files were tried, refused and accepted inert; every failure listed."""

    tried: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    slowest_extraction: float = 0.0

    def record(self, path: str, hostile: Hostile, outcome: str, problems: list[str]) -> None:
        self.tried[path] += 1
        if problems:
            self.failures.append(f"[{path}] {hostile.category} {hostile.name[:80]!r}: " + "; ".join(problems))
            return
        (self.refused if outcome == "refused" else self.accepted)[path] += 1
        self.by_category[(hostile.category, outcome)] += 1

    def summary(self) -> str:
        lines = [f"{'path':<20} {'tried':>6} {'refused':>8} {'stored inert':>13}"]
        lines += [
            f"{path:<20} {self.tried[path]:>6} {self.refused[path]:>8} {self.accepted[path]:>13}" for path in self.tried
        ]
        total = (sum(self.tried.values()), sum(self.refused.values()), sum(self.accepted.values()))
        lines.append(f"{'all':<20} {total[0]:>6} {total[1]:>8} {total[2]:>13}")
        categories = sorted({category for category, _outcome in self.by_category})
        lines.append(
            "by category (attempts refused / stored inert): "
            + ", ".join(
                f"{c} {self.by_category[(c, 'refused')]}/{self.by_category[(c, 'accepted')]}" for c in categories
            )
        )
        lines.append(f"slowest text extraction: {self.slowest_extraction:.2f} s")
        return "\n".join(lines)

    def failure_report(self) -> str:
        return f"{len(self.failures)} hostile uploads mishandled:\n" + "\n".join(self.failures) + "\n" + self.summary()


def refusal_problems(hostile: Hostile, status: int, message: str, before: dict, after: dict) -> list[str]:
    problems = []
    if status not in (400, 413):
        problems.append(f"answered {status}")
    if not message.strip():
        problems.append("refused without a message")
    left = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    if left:
        problems.append(f"refused but left something behind: {left}")
    return problems
