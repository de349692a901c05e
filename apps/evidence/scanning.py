"""The malware-scan hook: every uploaded file is scanned before it is accepted, when a scanner is set.

``MALWARE_SCANNER`` chooses it: empty (the default) scans nothing; ``"clamd"`` sends the bytes to
ClamAV's daemon (``CLAMD_SOCKET``, or ``CLAMD_HOST``/``CLAMD_PORT``) with its INSTREAM command; any
other value is the dotted path of a function ``scan(fileobj) -> signature name or None`` (raising
:class:`ScannerUnavailableError` when it cannot answer). A scanner that cannot be reached refuses
the file (fail closed) unless ``MALWARE_SCAN_FAIL_OPEN`` is set.

The clamd client is the documented protocol and nothing more (clamd(8), "INSTREAM"): the command
``zINSTREAM\\0``, then the file in chunks each preceded by its length as 4 bytes in network order, a
zero length to end, and one reply ending in NUL: ``stream: OK``, ``stream: <signature> FOUND`` or
``... ERROR`` (e.g. ``INSTREAM size limit exceeded`` past clamd's ``StreamMaxLength``).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.utils.module_loading import import_string

CHUNK = 256 * 1024
MAX_REPLY = 4096


class ScannerUnavailableError(Exception):
    """The scanner could not give a verdict (unreachable, timed out, or it answered an error)."""


class ClamdClient:
    """A connection per command to clamd over a Unix socket (``socket_path``) or TCP (``host``, ``port``)."""

    def __init__(self, *, socket_path: str = "", host: str = "127.0.0.1", port: int = 3310, timeout: float = 60.0):
        self.socket_path, self.host, self.port, self.timeout = socket_path, host, port, timeout

    def _connect(self) -> socket.socket:
        try:
            if self.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(self.socket_path)
                return sock
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise ScannerUnavailableError(f"clamd unreachable: {error}") from error

    @staticmethod
    def _reply(sock: socket.socket) -> str:
        data = b""
        while not data.endswith(b"\0") and len(data) < MAX_REPLY:
            received = sock.recv(MAX_REPLY)
            if not received:
                break
            data += received
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return self._reply(sock) == "PONG"
        except (OSError, ScannerUnavailableError):
            return False

    def instream(self, fileobj: BinaryIO) -> str | None:
        """The signature clamd found in the file's bytes, or None if it found none."""
        fileobj.seek(0)
        with self._connect() as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for chunk in iter(lambda: fileobj.read(CHUNK), b""):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
            except OSError:
                pass  # clamd may stop reading and close (size limit): its reply says why, if any
            try:
                reply = self._reply(sock)
            except OSError as error:
                raise ScannerUnavailableError(f"clamd did not answer: {error}") from error
            finally:
                fileobj.seek(0)
        return _verdict(reply)


def _verdict(reply: str) -> str | None:
    """``stream: OK`` → None; ``stream: <name> FOUND`` → name; anything else is no verdict."""
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply[len("stream: ") : -len(" FOUND")].strip() or "unknown"
    raise ScannerUnavailableError(f"clamd answered: {reply or '(nothing)'}")


def clamd_client() -> ClamdClient:
    return ClamdClient(
        socket_path=settings.CLAMD_SOCKET,
        host=settings.CLAMD_HOST,
        port=settings.CLAMD_PORT,
        timeout=settings.CLAMD_TIMEOUT,
    )


def clamd_scan(fileobj: BinaryIO) -> str | None:
    return clamd_client().instream(fileobj)


def scanner() -> Callable[[BinaryIO], str | None] | None:
    """The configured scan function, or None when scanning is off."""
    name = settings.MALWARE_SCANNER
    if not name:
        return None
    if name == "clamd":
        return clamd_scan
    return import_string(name)


def malware_scan(fileobj: BinaryIO) -> str | None:
    """Scan the file with the configured scanner: the signature found, or None (also when scanning is
    off). Raises :class:`ScannerUnavailableError` when the scanner cannot give a verdict."""
    scan = scanner()
    if scan is None:
        return None
    try:
        return scan(fileobj)
    except ScannerUnavailableError:
        raise
    except OSError as error:
        raise ScannerUnavailableError(str(error)) from error
    finally:
        fileobj.seek(0)
