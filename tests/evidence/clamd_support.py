"""A real ClamAV daemon for the malware-scan tests: Debian's clamd, started here in the foreground
with a configuration of its own, listening on a Unix socket and on a free loopback TCP port, and
loaded with one local signature file matching the EICAR test string (``hostile_corpus.EICAR_NDB``):
no signature database can be downloaded here, and clamd knows EICAR only through a database."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from apps.evidence.scanning import ClamdClient
from tests.conftest import CLAMD

from .hostile_corpus import EICAR_NDB

STREAM_MAX = 4 * 1024 * 1024  # clamd's StreamMaxLength here: larger streams are an error


@dataclass
class Clamd:
    socket_path: str
    port: int
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def clamd():
    folder = Path(tempfile.mkdtemp(prefix="clamd-", dir="/tmp"))  # a Unix socket path must be short
    (folder / "db").mkdir()
    (folder / "tmp").mkdir()
    (folder / "db" / "cnilcase.ndb").write_text(EICAR_NDB)
    port = _free_port()
    config = folder / "clamd.conf"
    config.write_text(
        "Foreground yes\n"
        f"LocalSocket {folder / 'clamd.sock'}\n"
        f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"DatabaseDirectory {folder / 'db'}\n"
        f"TemporaryDirectory {folder / 'tmp'}\n"
        f"LogFile {folder / 'clamd.log'}\n"
        f"StreamMaxLength {STREAM_MAX}\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own configuration, a fixed binary
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    daemon = Clamd(str(folder / "clamd.sock"), port, folder / "clamd.log")
    try:
        client = ClamdClient(socket_path=daemon.socket_path, timeout=5)
        deadline = time.monotonic() + 120
        while not client.ping():
            if process.poll() is not None or time.monotonic() > deadline:
                log = daemon.log.read_text() if daemon.log.exists() else "(no log)"
                pytest.fail(f"clamd did not start (exit {process.poll()}):\n{log[-3000:]}")
            time.sleep(0.2)
        yield daemon
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
