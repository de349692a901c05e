"""Mixed-load benchmark: simulated investigators, managers and organisation users (locust).

Goal (issue 10): 50 simulated users for 60 s, the load generator on the same 2 cores as the server,
≥ 200 req/s, p95 ≤ 150 ms, no error; the app served by gunicorn on loopback against PostgreSQL.

This runner does not start the server. It
1. picks who browses and what they open: the ids of ``var/seed_scale.json`` (written by
   ``seed_scale``) when that manifest describes the database at hand, else a few cheap indexed
   queries on the database itself (the demo database, say);
2. writes a verified session for each simulated user without the login form (``bench/sessions.py``),
   and checks that the server accepts them (same ``DATABASE_URL`` and ``SECRET_KEY`` as the server);
3. runs locust headless (``bench/locustfile.py``) in its own processes — gevent never enters this
   process, nor pytest's — and reads its CSV statistics;
4. prints and returns: requests, req/s, p50/p95/p99, errors, and the p95 of each kind of page.
   The sessions it wrote are deleted afterwards.

Each simulated user paces itself at ``--target-rps / --users`` requests per second (4/s for the
goal's 200 req/s with 50 users); ``--target-rps 0`` removes the pause (the server's capacity).

Usage (Django settings from the environment, as for the server):
    python bench/load.py --base-url http://127.0.0.1:8001 --users 50 --seconds 60 --processes 1
Importable: ``run_load(base_url, users, seconds, processes) -> dict`` (bench/scale.py).
A missed goal is reported, not an error: the exit status is non-zero only when the run fails.
"""

# Random draws pick sample cases; URLs are the benchmark's own loopback server.
# ruff: noqa: S311, S310

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/sessions.py, bench/web.py: scripts, not a package
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
MANIFEST = ROOT / "var" / "seed_scale.json"
GOAL = {"rps": 200.0, "p95_ms": 150.0, "errors": 0}

# Identities per role (distinct accounts); the simulated users share them, each with its own session.
IDENTITIES = {"investigator": 8, "manager": 3, "portal": 8}
CASES_PER_IDENTITY = 40
EVIDENCE_PER_CASE = 5


def _django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


# --- The manifest of seed_scale -------------------------------------------------------------------


def _find(data, *names):
    """The first value under one of ``names``, at any depth of the manifest (its layout may vary)."""
    if isinstance(data, dict):
        for name in names:
            if data.get(name) not in (None, "", []):
                return data[name]
        for value in data.values():
            found = _find(value, *names)
            if found is not None:
                return found
    return None


def read_manifest(database: str, path: Path | None = None) -> dict | None:
    """The manifest's ids if it was written for ``database``, else None (another database, or none)."""
    path = path or Path(os.environ.get("LOAD_MANIFEST") or MANIFEST)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    name = _find(data, "database", "database_name", "db", "db_name")
    if isinstance(name, dict):
        name = name.get("NAME") or name.get("name")
    if name != database:
        return None
    return {
        "large_case": _find(data, "large_case", "large_case_id", "large"),
        "small_case": _find(data, "small_case", "small_case_id", "small"),
        "investigator": _find(data, "investigator", "investigator_1k", "investigator_on_1k", "investigator_1000"),
        "manager": _find(data, "manager", "manager_user"),
        "portal": _find(data, "portal_user", "portal", "organisation_user"),
        "search_words": _find(data, "search_words", "words", "search_terms"),
    }


def _case_id(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("id") or value.get("pk")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _user(value):
    """A user from a manifest entry: an id, an e-mail or a username, or a dict holding one."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if isinstance(value, dict):
        value = value.get("id") or value.get("pk") or value.get("email") or value.get("username")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return users.filter(pk=int(value)).first()
    if isinstance(value, str):
        return users.filter(email__iexact=value).first()
    return None


# --- Who browses what ---------------------------------------------------------------------------------


def _random_cases(count: int, rng: random.Random, *, normal_only: bool) -> list[int]:
    """Case ids probed at random points of the primary key (one index lookup each)."""
    from django.db.models import Max, Min

    from apps.cases.choices import Confidentiality
    from apps.cases.models import Case

    bounds = Case.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    cases = Case.objects.filter(confidentiality=Confidentiality.NORMAL) if normal_only else Case.objects.all()
    found = set()
    for _ in range(count):
        pk = cases.filter(pk__gte=rng.randint(bounds["low"], bounds["high"])).order_by("pk").values_list("pk")[:1]
        found.update(row[0] for row in pk)
    return sorted(found)


def _staff(role: str, first, count: int) -> list:
    from django.contrib.auth import get_user_model

    from apps.accounts.choices import UserKind

    users = list(
        get_user_model()
        .objects.filter(is_active=True, kind=UserKind.STAFF, groups__name=role)
        .exclude(pk=getattr(first, "pk", None))
        .order_by("pk")[: count - (first is not None)]
    )
    return [first, *users] if first is not None else users


def _team_cases(user, count: int) -> list[int]:
    from apps.cases.models import CaseUserObjectPermission

    rows = CaseUserObjectPermission.objects.filter(user=user, permission__codename="change_case")
    return list(rows.order_by("content_object_id").values_list("content_object_id", flat=True)[:count])


def _visible(user, case_ids) -> list[int]:
    from apps.cases.permissions import visible_cases

    return sorted(visible_cases(user).filter(pk__in=[pk for pk in case_ids if pk]).values_list("pk", flat=True))


def _evidence(case_ids: list[int], large_case: int | None) -> list[list[int]]:
    from apps.evidence.models import Evidence

    pairs = []
    for case in case_ids:
        per_case = 4 * EVIDENCE_PER_CASE if case == large_case else EVIDENCE_PER_CASE
        rows = Evidence.objects.filter(case_id=case).order_by("-registered_at").values_list("pk", flat=True)
        pairs.extend([case, pk] for pk in rows[:per_case])
    return pairs


def _portal_users(first, count: int) -> list[tuple]:
    """Organisation users with at least one request on their portal, with those requests."""
    from django.contrib.auth import get_user_model

    from apps.info_requests import selectors
    from apps.info_requests.models import PortalAccess

    candidates = [first] if first is not None else []
    ids = (
        PortalAccess.objects.filter(revoked_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[: count * 4]
    )
    candidates += list(get_user_model().objects.filter(pk__in=list(ids), is_active=True).order_by("pk"))
    chosen, seen = [], set()
    for user in candidates:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        requests = list(selectors.portal_requests(user).values_list("pk", flat=True)[:20])
        if requests:
            chosen.append((user, requests))
        if len(chosen) == count:
            break
    return chosen


def _words(titles, count: int) -> list[str]:
    """The commonest long words of some titles: words that the search will find."""
    words = Counter(
        word.lower() for title in titles for word in re.findall(r"[^\W\d_]{6,}", title) if not word.isupper()
    )
    return [word for word, _n in words.most_common(count)]


def build_plan(users: int, *, seed: int = 1) -> dict:
    """Identities with their sessions, cases, evidence and requests, and the filters' values."""
    from django.db import connection
    from sessions import session_for

    from apps.accounts.choices import Role
    from apps.cases.choices import CaseStatus, LegalRegime, Origin, Priority
    from apps.cases.models import Case
    from apps.core.registry import case_tabs
    from apps.dashboards.choices import TimelineKind
    from apps.evidence.models import Evidence
    from apps.organisations.models import Sector

    rng = random.Random(seed)
    database = connection.settings_dict["NAME"]
    manifest = read_manifest(database) or {}
    large, small = _case_id(manifest.get("large_case")), _case_id(manifest.get("small_case"))
    pinned = [pk for pk in (large, small) if pk]

    roles: dict[str, list[dict]] = {"investigator": [], "manager": [], "portal": []}
    for user in _staff(Role.INVESTIGATOR, _user(manifest.get("investigator")), IDENTITIES["investigator"]):
        team = _team_cases(user, CASES_PER_IDENTITY * 3 // 4)
        others = _random_cases(CASES_PER_IDENTITY - len(team), rng, normal_only=True)
        cases = sorted(set(team + others + _visible(user, pinned)))
        if cases:
            roles["investigator"].append({"user": user, "cases": cases})
    for user in _staff(Role.MANAGER, _user(manifest.get("manager")), IDENTITIES["manager"]):
        cases = sorted(set(_random_cases(CASES_PER_IDENTITY, rng, normal_only=False) + pinned))
        if cases:
            roles["manager"].append({"user": user, "cases": cases})
    for user, requests in _portal_users(_user(manifest.get("portal")), IDENTITIES["portal"]):
        roles["portal"].append({"user": user, "cases": [], "requests": requests})

    # Each simulated user gets a session of its own, the identities of its role in turn.
    sessions = []
    for identities in roles.values():
        for identity in identities:
            identity["sessions"] = []
        for i in range(users if identities else 0):
            identity = identities[i % len(identities)]
            key = session_for(identity["user"])
            identity["sessions"].append(key)
            sessions.append(key)

    all_cases = sorted({pk for identities in roles.values() for identity in identities for pk in identity["cases"]})
    case_titles = Case.objects.filter(pk__in=all_cases).values_list("title", flat=True)
    words = manifest.get("search_words")
    if not words:
        titles = Evidence.objects.filter(case_id__in=all_cases[:50]).values_list("title", flat=True)[:500]
        words = _words(titles, 5)
    investigators = [identity["user"].pk for identity in roles["investigator"]]
    plan = {
        "database": database,
        "from_manifest": bool(manifest),
        "large_case": large,
        "small_case": small,
        "roles": {
            role: [
                {
                    "user_id": identity["user"].pk,
                    "email": identity["user"].email,
                    "sessions": identity["sessions"],
                    "cases": identity["cases"],
                    "evidence": _evidence(identity["cases"], large),
                    "requests": identity.get("requests", []),
                }
                for identity in identities
            ]
            for role, identities in roles.items()
        },
        "investigators": investigators,
        "sectors": list(Sector.objects.order_by("pk").values_list("pk", flat=True)[:50]),
        "search_words": list(words) or ["contrôle"],
        "case_words": _words(case_titles, 8) or ["données"],
        # The timeline and the access log have tasks of their own (and the access log is for managers).
        "tabs": [tab.slug for tab in case_tabs.all() if tab.slug not in ("accesses", "timeline")],
        "choices": {
            "status": list(CaseStatus.values),
            "origin": list(Origin.values),
            "legal_regime": list(LegalRegime.values),
            "priority": list(Priority.values),
            "timeline_kind": list(TimelineKind.values),
        },
    }
    return {"plan": plan, "sessions": sessions}


def delete_sessions(keys: list[str]) -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    for key in keys:
        store(session_key=key).delete()


# --- Talking to the server ----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(base_url: str, path: str, session: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base_url + path, headers={"Cookie": f"sessionid={session}"})
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check_sessions(base_url: str, plan: dict) -> None:
    """Every identity's first session opens its home page; otherwise the run would only measure errors."""
    refused = []
    for role, identities in plan["roles"].items():
        home = "/portal/" if role == "portal" else "/"
        for identity in identities:
            status = _status(base_url, home, identity["sessions"][0])
            if status != 200:
                refused.append(f"{identity['email']} ({role}): HTTP {status} on {home}")
    if refused:
        raise RuntimeError(
            "The server refuses the benchmark's sessions (is it using the same DATABASE_URL and SECRET_KEY?): "
            + "; ".join(refused)
        )


def warm_up(base_url: str, plan: dict, rounds: int = 2) -> None:
    """A few pages of each kind before measuring, so that no worker meets its first request in the run."""
    for _ in range(rounds):
        for role, identities in plan["roles"].items():
            for identity in identities:
                session = identity["sessions"][0]
                paths = ["/portal/"] if role == "portal" else ["/", "/cases/"]
                paths += [f"/portal/requests/{pk}/" for pk in identity["requests"][:1]]
                paths += [f"/cases/{pk}/" for pk in identity["cases"][:1]]
                paths += [f"/cases/{pk}/tab/timeline/" for pk in identity["cases"][:1]]
                for path in paths:
                    _status(base_url, path, session)


# --- Where the CPU goes -------------------------------------------------------------------------------------
# On a shared machine the latencies move with the neighbours' load; the CPU time spent per request by
# the server, PostgreSQL and locust does not, and says what two cores would serve on their own.

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _database_backends() -> list[int]:
    """PostgreSQL's server processes for this database (the server's connections among them)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def listening_pid(port: int) -> int | None:
    """The process serving ``port`` on this machine (gunicorn's master: the oldest holder of the socket)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    holders = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            holders.append(int(entry.name))
    return min(holders) if holders else None


class CpuMeter:
    """CPU seconds of the server's process tree and of the database's backends between start and stop."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def sample(self) -> dict[str, dict[int, float]]:
        server = _process_tree(self.server_pid) if self.server_pid else []
        return {
            "server": {pid: _cpu_seconds(pid) for pid in server},
            "database": {pid: _cpu_seconds(pid) for pid in _database_backends()},
        }

    def start(self) -> None:
        self.before = self.sample()

    def stop(self) -> dict[str, float | None]:
        after = self.sample()
        spent: dict[str, float | None] = {
            part: round(sum(seconds - self.before[part].get(pid, 0.0) for pid, seconds in after[part].items()), 2)
            for part in after
        }
        if not self.server_pid:
            spent["server"] = None
        # A backend that ended during the run took its CPU time with it: without persistent connections
        # (CONN_MAX_AGE=0, one backend per request) the database's share cannot be read here.
        if not set(self.before["database"]) & set(after["database"]):
            spent["database"] = None
        return spent


# --- What each kind of page costs, without HTTP nor neighbours' queueing ---------------------------------


def sample_pages(plan: dict) -> list[tuple[str, str, str]]:
    """(page name as in the locustfile, role, path): one of each kind the simulated users open."""
    pages = []
    staff = plan["roles"]["investigator"][:1] + plan["roles"]["manager"][:1]
    for identity in staff:
        role = "investigator" if identity in plan["roles"]["investigator"] else "manager"
        case = plan["large_case"] if plan["large_case"] in identity["cases"] else identity["cases"][0]
        pages += [
            (f"home ({role})", role, "/"),
            ("case list", role, "/cases/"),
            ("case list ?status", role, f"/cases/?status={plan['choices']['status'][0]}"),
            ("case list ?q", role, f"/cases/?q={urllib.parse.quote(plan['case_words'][0])}"),
            ("case detail", role, f"/cases/{case}/"),
            ("timeline", role, f"/cases/{case}/tab/timeline/"),
            ("search", role, f"/search/?q={urllib.parse.quote(plan['search_words'][0])}"),
        ]
        pages += [(f"case tab {tab}", role, f"/cases/{case}/tab/{tab}/") for tab in plan["tabs"]]
        if identity["evidence"]:
            case_pk, evidence = identity["evidence"][0]
            pages.append(("evidence detail", role, f"/cases/{case_pk}/evidence/{evidence}/"))
        if role == "manager":
            pages += [
                ("manager dashboard", role, "/dashboard/"),
                ("case list ?sector", role, f"/cases/?sector={plan['sectors'][0]}" if plan["sectors"] else "/cases/"),
                ("case tab accesses", role, f"/cases/{case}/tab/accesses/"),
            ]
        else:
            pages += [
                ("my deadlines", role, "/deadlines/mine/"),
                ("case list ?assignee", role, f"/cases/?assignee={identity['user_id']}"),
            ]
    for identity in plan["roles"]["portal"][:1]:
        pages += [
            ("portal request list", "portal", "/portal/"),
            ("portal request page", "portal", f"/portal/requests/{identity['requests'][0]}/"),
        ]
    return pages


def page_costs(plan: dict, *, host: str = "127.0.0.1", rounds: int = 5) -> dict:
    """CPU time and queries of each sample page in this process (Django's test client, the whole
    middleware stack, no HTTP, no locust): the least of ``rounds`` runs, so a busy neighbour hardly
    shows. PostgreSQL's own time is in ``wall_ms``, not in ``cpu_ms``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for role, identities in plan["roles"].items():
        if identities:
            clients[role] = Client(HTTP_HOST=host)
            clients[role].cookies["sessionid"] = identities[0]["sessions"][0]
    costs = {}
    for name, role, path in sample_pages(plan):
        client = clients[role]
        cpu, wall = [], []
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        costs[f"{name} [{role}]"] = {
            "path": path,
            "status": response.status_code,
            "queries": len(captured),
            "cpu_ms": round(1000 * min(cpu), 1),
            "wall_ms": round(1000 * min(wall), 1),
        }
    connection.close()
    return costs


def run_page_costs(host: str = "127.0.0.1", rounds: int = 5, *, seed: int = 1) -> dict:
    """``page_costs`` on the database of the environment, with sessions written and removed here."""
    _django()
    built = build_plan(1, seed=seed)
    try:
        return page_costs(built["plan"], host=host, rounds=rounds)
    finally:
        delete_sessions(built["sessions"])


# --- locust -------------------------------------------------------------------------------------------------


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_stats(prefix: Path) -> dict:
    """locust's ``<prefix>_stats.csv`` and ``_failures.csv`` as figures (times in ms)."""
    endpoints, total = {}, None
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            figures = {
                "requests": int(_number(row["Request Count"])),
                "failures": int(_number(row["Failure Count"])),
                "rps": round(_number(row["Requests/s"]), 1),
                "mean_ms": round(_number(row["Average Response Time"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": round(_number(row["Max Response Time"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                endpoints[row["Name"]] = figures
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.is_file():
        with failures_csv.open(newline="", encoding="utf-8") as handle:
            failures = [
                {"name": row["Name"], "error": row["Error"], "occurrences": int(_number(row["Occurrences"]))}
                for row in csv.DictReader(handle)
            ]
    if total is None:
        raise RuntimeError(f"locust wrote no aggregated statistics in {prefix}_stats.csv")
    return {"total": total, "endpoints": endpoints, "failures": failures}


def run_locust(
    base_url: str,
    plan_path: Path,
    *,
    users: int,
    seconds: int,
    processes: int,
    user_rate: float,
    workdir: Path,
    mode: str = "mixed",
) -> dict:
    prefix = workdir / f"locust-{mode}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),  # all of them within the first second
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    if processes != 1:
        command += ["--processes", str(processes)]
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_USER_RATE": str(user_rate), "LOAD_MODE": mode}
    log = workdir / f"locust-{mode}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w") as out:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = log.read_text(errors="replace")
    if done.returncode != 0 or not Path(f"{prefix}_stats.csv").is_file():
        raise RuntimeError(f"locust failed (exit {done.returncode}):\n{output[-3000:]}")
    stats = read_stats(prefix)
    # locust warns when its own CPU is saturated: the figures then measure the load generator too.
    stats["generator_saturated"] = "CPU usage above" in output or "CPU usage was too high" in output
    stats["generator_cpu_seconds"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
    return stats


def run_load(
    base_url: str,
    users: int = 50,
    seconds: int = 60,
    processes: int = 1,
    *,
    target_rps: float = GOAL["rps"],
    seed: int = 1,
    keep: bool = False,
    server_pid: int | None = None,
    baseline_seconds: int = 0,
) -> dict:
    """Run the mixed load against ``base_url`` and return its figures (see the module's docstring).

    ``server_pid``: the server's master process, whose tree's CPU time is counted (found from the
    port listening on this machine when not given). ``baseline_seconds``: then as long with the same
    users on ``/healthz`` without pause, the ceiling of this generator and server stack right now.
    """
    _django()
    from django.db import connection

    started = time.perf_counter()
    built = build_plan(users, seed=seed)
    plan, sessions = built["plan"], built["sessions"]
    connection.close()  # no idle transaction held open during the run
    prepare_seconds = time.perf_counter() - started
    workdir = Path(tempfile.mkdtemp(prefix="cnilcase-load-"))
    try:
        plan_path = workdir / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        check_sessions(base_url, plan)
        warm_up(base_url, plan)
        if server_pid is None:
            server_pid = listening_pid(urllib.parse.urlsplit(base_url).port or 80)
        meter = CpuMeter(server_pid)
        meter.start()
        user_rate = target_rps / users if target_rps > 0 else 0.0
        stats = run_locust(
            base_url, plan_path, users=users, seconds=seconds, processes=processes, user_rate=user_rate, workdir=workdir
        )
        cpu = {**meter.stop(), "generator": stats["generator_cpu_seconds"]}
        baseline = None
        if baseline_seconds > 0:
            healthz = run_locust(
                base_url,
                plan_path,
                users=users,
                seconds=baseline_seconds,
                processes=processes,
                user_rate=0.0,
                workdir=workdir,
                mode="healthz",
            )
            baseline = {
                "path": "/healthz",
                "seconds": baseline_seconds,
                "requests": healthz["total"]["requests"],
                "errors": healthz["total"]["failures"],
                "rps": healthz["total"]["rps"],
                "p50_ms": healthz["total"]["p50_ms"],
                "p95_ms": healthz["total"]["p95_ms"],
                "generator_saturated": healthz["generator_saturated"],
            }
    finally:
        delete_sessions(sessions)
        connection.close()
    total = stats["total"]
    result = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "base_url": base_url,
        "database": plan["database"],
        "ids_from_manifest": plan["from_manifest"],
        "users": users,
        "seconds": seconds,
        "processes": processes,
        "target_rps": target_rps,
        "identities": {role: len(identities) for role, identities in plan["roles"].items()},
        "large_case": plan["large_case"],
        "prepare_seconds": round(prepare_seconds, 1),
        "requests": total["requests"],
        "errors": total["failures"],
        "rps": total["rps"],
        "mean_ms": total["mean_ms"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "max_ms": total["max_ms"],
        "endpoints": stats["endpoints"],
        "failures": stats["failures"],
        "generator_saturated": stats["generator_saturated"],
        "server_pid": server_pid,
        "cpu_seconds": cpu,
        "baseline": baseline,
    }
    # The figures bench/run.py puts in its table.
    result["achieved"] = {
        key: result[key] for key in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors", "generator_saturated")
    }
    # CPU per request and what the machine's cores would serve if they did nothing else.
    if total["requests"]:
        per_request = {
            part: None if seconds is None else round(1000 * seconds / total["requests"], 2)
            for part, seconds in cpu.items()
        }
        result["cpu_ms_per_request"] = per_request
        result["cores"] = os.cpu_count()
        # Only when every part was measured: a missing part would flatter the estimate.
        spent = None if None in per_request.values() else sum(per_request.values())
        result["cpu_bound_rps"] = round(1000 * (os.cpu_count() or 1) / spent, 1) if spent else None
    result["goal"] = {
        **GOAL,
        "met": result["rps"] >= GOAL["rps"] and result["p95_ms"] <= GOAL["p95_ms"] and result["errors"] == 0,
    }
    if keep:
        result["workdir"] = str(workdir)
    return result


def report(result: dict) -> str:
    lines = [
        f"Mixed load on {result['base_url']} ({result['database']}, ids from "
        f"{'var/seed_scale.json' if result['ids_from_manifest'] else 'the database'}): "
        f"{result['users']} users, {result['seconds']} s, {result['processes']} locust process(es), "
        f"paced for {result['target_rps'] or 'no limit on'} req/s",
        f"  requests {result['requests']}  req/s {result['rps']}  errors {result['errors']}",
        f"  p50 {result['p50_ms']:.0f} ms  p95 {result['p95_ms']:.0f} ms  p99 {result['p99_ms']:.0f} ms  "
        f"max {result['max_ms']:.0f} ms",
        f"  goal ≥ {GOAL['rps']:.0f} req/s, p95 ≤ {GOAL['p95_ms']:.0f} ms, 0 errors: "
        f"{'met' if result['goal']['met'] else 'NOT met'}",
    ]
    if result.get("cpu_ms_per_request"):
        per = {part: "?" if ms is None else f"{ms:.1f}" for part, ms in result["cpu_ms_per_request"].items()}
        line = (
            f"  CPU per request: server {per['server']} ms, PostgreSQL {per['database']} ms, "
            f"locust {per['generator']} ms"
        )
        if result["cpu_bound_rps"]:
            line += f": {result['cores']} cores doing nothing else would serve ~{result['cpu_bound_rps']:.0f} req/s"
        lines.append(line)
    if result.get("baseline"):
        base = result["baseline"]
        lines.append(
            f"  baseline, the same users on /healthz without pause for {base['seconds']} s: {base['rps']:.0f} req/s, "
            f"p95 {base['p95_ms']:.0f} ms, {base['errors']} errors"
        )
    if result["generator_saturated"]:
        lines.append("  warning: locust reported its own CPU saturated; add --processes or lower the load")
    lines.append(f"  {'page':<36} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, figures in sorted(result["endpoints"].items(), key=lambda item: -item[1]["p95_ms"]):
        lines.append(
            f"  {name:<36} {figures['requests']:>8} {figures['failures']:>6} {figures['p50_ms']:>6.0f} "
            f"{figures['p95_ms']:>6.0f} {figures['p99_ms']:>6.0f}"
        )
    lines.extend(
        f"  error: {failure['name']}: {failure['error']} ({failure['occurrences']} times)"
        for failure in result["failures"][:10]
    )
    return "\n".join(lines)


def serve_environment() -> dict | None:
    """``--serve``: the environment of the server and of this process, as bench/web.py sets it, on the
    database of the manifest (else on ``DATABASE_URL``); None when there is neither."""
    import web  # bench/web.py: the page benchmark's production-like settings and gunicorn

    manifest_path = Path(os.environ.get("LOAD_MANIFEST") or MANIFEST)
    manifest = web.load_manifest(manifest_path)
    if manifest is not None:
        url = f"postgres://postgres@127.0.0.1:5432/{manifest['database']}"
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        url = os.environ["DATABASE_URL"]
    else:
        return None
    return {**os.environ, **web.BENCH_ENV, "DATABASE_URL": url}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8001")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--processes", type=int, default=1, help="locust processes (-1: one per core)")
    parser.add_argument(
        "--target-rps", type=float, default=GOAL["rps"], help="total pace of the users; 0: no pause (capacity)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-pid", type=int, help="the server's master process (default: found from the port)")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="start gunicorn here (production settings of bench/web.py) on the database of var/seed_scale.json",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (--serve)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (--serve)")
    parser.add_argument(
        "--baseline-seconds", type=int, default=20, help="then the same users on /healthz without pause; 0: none"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--page-costs", action="store_true", help="no load: the CPU and queries of each kind of page, in process"
    )
    args = parser.parse_args()
    server = None
    if args.serve:
        env = serve_environment()
        if env is None:
            print("No database to load: run `make seed-scale` first, or set DATABASE_URL.", file=sys.stderr)
            return 2
        os.environ.update(env)  # sessions signed with the server's SECRET_KEY, in its database
        import web

        server = web.Server(env, workers=args.workers, threads=args.threads)
        args.base_url, args.server_pid = server.base_url, server.proc.pid
    try:
        return _main(args)
    finally:
        if server is not None:
            server.stop()


def _main(args) -> int:
    if args.page_costs:
        costs = run_page_costs(urllib.parse.urlsplit(args.base_url).hostname or "127.0.0.1")
        print(f"  {'page':<44} {'status':>6} {'queries':>7} {'CPU ms':>7} {'wall ms':>7}")
        for name, cost in sorted(costs.items(), key=lambda item: -item[1]["cpu_ms"]):
            print(
                f"  {name:<44} {cost['status']:>6} {cost['queries']:>7} {cost['cpu_ms']:>7.1f} {cost['wall_ms']:>7.1f}"
            )
        if args.json:
            args.json.write_text(json.dumps(costs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    result = run_load(
        args.base_url.rstrip("/"),
        args.users,
        args.seconds,
        args.processes,
        target_rps=args.target_rps,
        seed=args.seed,
        server_pid=args.server_pid,
        baseline_seconds=args.baseline_seconds,
    )
    result["server"] = (
        {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"} if args.serve else "external"
    )
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
