"""Upload benchmark: a large file through the real HTTP stack, beside raw hashlib in the same run.

gunicorn (threads, long timeout) serves the app on loopback with a throwaway PostgreSQL database
(``cnilcase_bench_upload``, or DATABASE_URL);
curl uploads the file as an investigator would. Reported: server RSS growth (peak resident
memory of the worker, after a warm-up request, against after the upload) and throughput, beside
``hashlib.sha256`` over the same bytes (the physical limit of the hashing pass).

Usage: python bench/upload.py [--size-mib 2048]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEFAULT_DB = "cnilcase_bench_upload"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DB}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as handle:
        for i in range(size // len(block)):
            handle.write(block[:-8] + i.to_bytes(8, "big"))  # distinct blocks, cheap to make


def hashlib_seconds(path: Path) -> float:
    start = time.perf_counter()
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            hasher.update(chunk)
    return time.perf_counter() - start


def disk_write_seconds(path: Path, folder: Path) -> float:
    """Copy the same bytes into a new file of the upload folder: the disk's own write speed."""
    block = bytearray(4 * 1024 * 1024)
    view = memoryview(block)
    target = folder / "bench-disk-write.tmp"
    start = time.perf_counter()
    with path.open("rb", buffering=0) as source, target.open("wb") as out:
        while count := source.readinto(block):
            out.write(view[:count])
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def raw_upload(port: int, case_pk: str, cookie: str, data: Path) -> tuple[str, float]:
    """POST the file as the raw body, streamed in 1 MiB blocks (curl would buffer it in memory)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=1024 * 1024)
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": "b" * 32,
        "Referer": f"http://127.0.0.1:{port}/",
        "Accept": "application/json",
        "Content-Type": "application/octet-stream",
        "Content-Length": str(data.stat().st_size),
        "X-Filename": "bench.pdf",
    }
    start = time.perf_counter()
    with data.open("rb") as body:
        connection.request("POST", f"/cases/{case_pk}/evidence/new/?source=public", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
    return str(response.status), time.perf_counter() - start


def peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=2048)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    work = Path(tempfile.mkdtemp(prefix="cnilcase-bench-"))
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if url == DEFAULT_URL:
        for sql in (f"DROP DATABASE IF EXISTS {DEFAULT_DB}", f"CREATE DATABASE {DEFAULT_DB}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "CNILCASE_VAR_DIR": str(work / "var"),
        "EVIDENCE_MAX_UPLOAD_SIZE": str(size + 1024 * 1024),
        # Tasks queued by the upload (text extraction) go to an in-memory broker nobody reads: they
        # run in the worker in production, after the response; run eagerly they would be timed as
        # part of the upload (pypdf looking for the end of a 2 GiB file took minutes).
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": "memory://",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run(
            [PY, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        case_pk, session = setup.stdout.split()[-2:]
        data = work / "evidence.bin"
        make_file(data, size)
        # A PDF header so the sniffed type is allowed; the rest is the payload.
        with data.open("r+b") as handle:
            handle.write(b"%PDF-1.7\n")
        raw = min(hashlib_seconds(data) for _ in range(2))
        uploads = work / "var" / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        disks = {}

        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "cnilcase.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "600",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            cookie = f"sessionid={session}; csrftoken={'b' * 32}"
            curl = [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{time_total}",
                "-H",
                f"Cookie: {cookie}",
                "-H",
                f"X-CSRFToken: {'b' * 32}",
                "-H",
                f"Referer: {base}/",
                "-H",
                "Accept: application/json",
            ]
            subprocess.run([*curl, f"{base}/cases/{case_pk}/"], check=True, capture_output=True)
            worker = int(
                subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0]
            )
            runs = {}
            for mode in ("multipart", "raw body"):
                with data.open("r+b") as handle:  # distinct content each run: no deduplication
                    handle.seek(9)
                    handle.write(mode.encode().ljust(16, b"."))
                # Each measurement starts with no dirty pages waiting for the disk (os.sync), so
                # the previous run's 2 GiB being written back does not throttle this one.
                os.sync()
                disks[mode] = disk_write_seconds(data, uploads)
                os.sync()
                before = peak_rss_kib(worker)
                if mode == "multipart":
                    request = ["-F", "source=public", "-F", f"files=@{data};type=application/pdf"]
                    url = f"{base}/cases/{case_pk}/evidence/new/"
                    result = subprocess.run([*curl, *request, url], check=True, capture_output=True, text=True)
                    status, seconds = result.stdout.split()
                else:
                    status, seconds = raw_upload(port, case_pk, cookie, data)
                if status != "201":
                    print(f"{mode} upload failed: HTTP {status}", file=sys.stderr)
                    return 1
                runs[mode] = (float(seconds), (peak_rss_kib(worker) - before) / 1024)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        mib = size / 1024 / 1024
        figures = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "size_mib": args.size_mib,
            "hashlib_mib_per_s": mib / raw,
            "disk_write_mib_per_s": {mode: mib / seconds for mode, seconds in disks.items()},
            "uploads": {
                mode: {
                    "seconds": seconds,
                    "mib_per_s": mib / seconds,
                    "ratio_to_hashlib": raw / seconds,
                    "ratio_to_disk_write": disks[mode] / seconds,
                    "server_rss_growth_mib": growth,
                }
                for mode, (seconds, growth) in runs.items()
            },
        }
        title = f"upload of {args.size_mib} MiB"
        print(f"{'same bytes, hashlib.sha256':<24}{mib / raw:>8.1f}")
        for mode, seconds in disks.items():
            print(f"{'same bytes written to a file, before ' + mode:<24}{mib / seconds:>8.1f}")
        print(f"{title:<24}{'MiB/s':>8}{'hashlib MiB/s':>15}{'ratio':>8}{'of disk':>9}{'RSS growth MiB':>16}")
        for mode, row in figures["uploads"].items():
            print(
                f"{mode:<24}{row['mib_per_s']:>8.1f}{figures['hashlib_mib_per_s']:>15.1f}"
                f"{row['ratio_to_hashlib']:>8.0%}{row['ratio_to_disk_write']:>9.0%}{row['server_rss_growth_mib']:>16.1f}"
            )
        print("goals: ratio >= 35%, RSS growth <= 32 MiB")
        out = ROOT / "bench" / "results" / f"upload-{dt.date.today().isoformat()}.json"
        out.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"written {out.relative_to(ROOT)}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


SETUP = """
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from apps.accounts import services as accounts
from apps.cases import services as cases
user = accounts.user_create(actor=None, email="bench@cnil.test", full_name="Bench", password="x" * 20,
                            roles=["investigator"])
device = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
case = cases.case_open(actor=user, origin="ex_officio", legal_regime="gdpr", title="Bench")
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()
print(case.pk, session.session_key)
"""

if __name__ == "__main__":
    sys.exit(main())
