"""Mixed load on the staff pages and the portal: investigators, managers and organisation users.

Run by ``bench/load.py`` (never by pytest, never imported by the app): locust loads this file in its
own processes, where gevent patches the standard library. Nothing here imports Django.

``LOAD_PLAN`` names the JSON file the runner wrote: per role, the identities (a user's sessions, the
cases, evidence items and requests it may open) and the values the filters use. ``LOAD_USER_RATE``
is each simulated user's pace in requests per second (50 users at 4/s make the 200 req/s of the
goal); 0 means no pause at all (the server's capacity).

Each task is one request, named by what the page is (``case tab evidence``, ``case list ?sector``),
so the statistics give a p95 per kind of page. Every request refuses redirects: a session the
server does not accept shows up as errors (302 to the login page), never as fast login pages.

Reads only, except what reading writes: opening a case, an evidence item or a portal request
records the access (``apps.audit.access``), as it does for a real reader.
"""

# Random choices pick what a simulated user opens next: no secret is drawn here.
# ruff: noqa: S311

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
from urllib.parse import quote, urlencode

from locust import FastHttpUser, constant, constant_throughput, task

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as _plan_file:
    PLAN = json.load(_plan_file)
RATE = float(os.environ.get("LOAD_USER_RATE", "4"))
# "mixed": the users below; "healthz": every user on /healthz without pause (the baseline: what this
# generator and the server's stack do with a page that renders nothing and runs only SELECT 1).
MODE = os.environ.get("LOAD_MODE", "mixed")
# How often a staff reader opens the large case when it is among the cases it may see.
LARGE_CASE_SHARE = float(os.environ.get("LOAD_LARGE_CASE_SHARE", "0.1"))

NEXT_PAGE = re.compile(r'href="\?([^"]*)" id="next-page"')
TIMELINE_OLDER = re.compile(r'id="timeline-older" href="[^"?]*\?([^"]*)"')
HTMX = {"HX-Request": "true"}

_session_counters: dict[str, itertools.count] = {}


def _next_identity(role: str) -> tuple[dict, str]:
    """An identity of ``role`` and one of its sessions, in turn (each process starts elsewhere)."""
    slots = [(identity, key) for identity in PLAN["roles"][role] for key in identity["sessions"]]
    counter = _session_counters.setdefault(role, itertools.count(random.randrange(len(slots))))
    return slots[next(counter) % len(slots)]


class Reader(FastHttpUser):
    abstract = True
    role = ""
    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)

    def on_start(self) -> None:
        self.identity, session = _next_identity(self.role)
        self.headers = {"Cookie": f"sessionid={session}", "Accept-Language": "fr"}
        self.list_next: str | None = None
        self.timeline_older: dict[int, str] = {}

    def get(self, path: str, name: str, *, htmx: bool = False) -> str:
        """GET ``path``; anything but a 200 is a failure. Returns the page's text."""
        headers = {**self.headers, **HTMX} if htmx else self.headers
        with self.client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as rsp:
            if rsp.status_code != 200:
                where = rsp.headers.get("Location", "") if rsp.headers else ""
                rsp.failure(f"HTTP {rsp.status_code} {where}".strip())
                return ""
            return rsp.text or ""

    # --- what the staff roles share -----------------------------------------------------------

    def pick_case(self) -> int:
        large = PLAN.get("large_case")
        if large in self.identity["cases"] and random.random() < LARGE_CASE_SHARE:
            return large
        return random.choice(self.identity["cases"])

    def case_list(self, params: dict | None = None, name: str = "case list", htmx: bool = False) -> None:
        query = urlencode(params or {})
        text = self.get(f"/cases/?{query}" if query else "/cases/", name, htmx=htmx)
        found = NEXT_PAGE.search(text)
        self.list_next = html.unescape(found.group(1)) if found else None

    def case_list_filtered(self, choices: list[str]) -> None:
        kind = random.choice(choices)
        if kind == "assignee":
            value = random.choice(PLAN["investigators"] or [self.identity["user_id"]])
        elif kind == "sector":
            value = random.choice(PLAN["sectors"])
        elif kind == "restricted":
            value = random.choice(["0", "1"])
        elif kind == "q":
            value = random.choice(PLAN["case_words"])
        else:
            value = random.choice(PLAN["choices"][kind])
        # Filters update the rows in place (HTMX) half the time, as the form does; else a full page.
        self.case_list({kind: value}, name=f"case list ?{kind}", htmx=random.random() < 0.5)

    def case_list_next(self) -> None:
        if self.list_next:
            query, self.list_next = self.list_next, None
            self.case_list_query(query)
        else:
            self.case_list()

    def case_list_query(self, query: str) -> None:
        text = self.get(f"/cases/?{query}", "case list (next page)", htmx=True)
        found = NEXT_PAGE.search(text)
        self.list_next = html.unescape(found.group(1)) if found else None

    def case_detail(self) -> None:
        self.get(f"/cases/{self.pick_case()}/", "case detail")

    def case_tab(self) -> None:
        tab = random.choice(PLAN["tabs"])
        self.get(f"/cases/{self.pick_case()}/tab/{tab}/", f"case tab {tab}")

    def timeline(self) -> None:
        case = self.pick_case()
        older = self.timeline_older.pop(case, None)
        if older and random.random() < 0.5:
            text = self.get(f"/cases/{case}/tab/timeline/?{older}", "timeline (older page)", htmx=True)
        elif random.random() < 0.3:
            kind = random.choice(PLAN["choices"]["timeline_kind"])
            text = self.get(f"/cases/{case}/tab/timeline/?kind={kind}", "timeline ?kind", htmx=True)
        else:
            text = self.get(f"/cases/{case}/tab/timeline/", "timeline")
        found = TIMELINE_OLDER.search(text)
        if found:
            self.timeline_older[case] = html.unescape(found.group(1))

    def evidence_detail(self) -> None:
        if not self.identity["evidence"]:
            self.case_detail()
            return
        case, evidence = random.choice(self.identity["evidence"])
        self.get(f"/cases/{case}/evidence/{evidence}/", "evidence detail")

    def search(self) -> None:
        self.get(f"/search/?q={quote(random.choice(PLAN['search_words']))}", "search")


class Investigator(Reader):
    """Works their own cases: home, the list and its filters, case pages, evidence, search."""

    role = "investigator"
    abstract = MODE != "mixed" or not PLAN["roles"].get("investigator")  # none in this database
    weight = 6

    @task(2)
    def home(self):
        self.get("/", "home (investigator)")

    @task(3)
    def list_first_page(self):
        self.case_list()

    @task(3)
    def list_filtered(self):
        self.case_list_filtered(["status", "origin", "legal_regime", "priority", "restricted", "assignee", "q"])

    @task(2)
    def list_next_page(self):
        self.case_list_next()

    @task(4)
    def detail(self):
        self.case_detail()

    @task(4)
    def tab(self):
        self.case_tab()

    @task(3)
    def case_timeline(self):
        self.timeline()

    @task(3)
    def evidence(self):
        self.evidence_detail()

    @task(2)
    def search_box(self):
        self.search()

    @task(1)
    def my_deadlines(self):
        self.get("/deadlines/mine/", "my deadlines")


class Manager(Reader):
    """Watches the whole service: the dashboard and its filters, lists by team or sector, any case."""

    role = "manager"
    abstract = MODE != "mixed" or not PLAN["roles"].get("manager")  # none in this database
    weight = 2

    @task(1)
    def home(self):
        self.get("/", "home (manager)")

    @task(3)
    def dashboard(self):
        roll = random.random()
        if roll < 0.6:
            self.get("/dashboard/", "manager dashboard")
        elif roll < 0.8 and PLAN["investigators"]:
            who = random.choice(PLAN["investigators"])
            self.get(f"/dashboard/?investigator={who}", "manager dashboard ?investigator")
        else:
            self.get(f"/dashboard/?sector={random.choice(PLAN['sectors'])}", "manager dashboard ?sector")

    @task(2)
    def list_first_page(self):
        self.case_list()

    @task(2)
    def list_filtered(self):
        self.case_list_filtered(["assignee", "sector", "status", "restricted"])

    @task(1)
    def list_next_page(self):
        self.case_list_next()

    @task(2)
    def detail(self):
        self.case_detail()

    @task(1)
    def tab(self):
        self.case_tab()

    @task(1)
    def case_timeline(self):
        self.timeline()

    @task(1)
    def accesses(self):
        self.get(f"/cases/{self.pick_case()}/tab/accesses/", "case tab accesses")

    @task(1)
    def search_box(self):
        self.search()


class OrganisationUser(Reader):
    """A person answering for an organisation: the portal's list of requests and a request's page."""

    role = "portal"
    abstract = MODE != "mixed" or not PLAN["roles"].get("portal")  # none in this database
    weight = 2

    @task(3)
    def requests(self):
        self.get("/portal/", "portal request list")

    @task(5)
    def request_page(self):
        self.get(f"/portal/requests/{random.choice(self.identity['requests'])}/", "portal request page")


class Healthz(FastHttpUser):
    """The baseline: the health check (no session, no template, one SELECT 1), without pause."""

    abstract = MODE != "healthz"
    wait_time = constant(0)

    @task
    def healthz(self):
        with self.client.get("/healthz", name="healthz", catch_response=True) as rsp:
            if rsp.status_code != 200:
                rsp.failure(f"HTTP {rsp.status_code}")
