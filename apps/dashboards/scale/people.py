"""Staff with their roles, portal users, sectors and organisations: the world the cases happen in."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection

from apps.accounts.choices import Role

from .plan import (
    BIG_ORGANISATIONS,
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    ORG_NAMES,
    ORG_PREFIXES,
    Plan,
    stamp,
)
from .streams import Streams

# One hash for every generated account, computed once (hashing per user would take minutes).
PASSWORD = "cnilcase-scale"  # noqa: S105 - synthetic benchmark accounts only

COLUMNS = {
    "accounts_user": "id, password, last_login, is_superuser, email, full_name, kind, is_active, date_joined",
    "accounts_user_groups": "id, user_id, group_id",
    "organisations_organisation": (
        "id, created_at, updated_at, legal_name, country, siren, address, dpo_name, dpo_email, dpo_phone,"
        " parent_id, sector_id"
    ),
    "organisations_historicalorganisation": (
        "id, created_at, updated_at, legal_name, country, siren, address, dpo_name, dpo_email, dpo_phone,"
        " history_id, history_date, history_change_reason, history_type, history_user_id, parent_id, sector_id"
    ),
}
SECTORS = (
    ("health-insurance", "Assurance santé complémentaire", "Complementary health insurance"),
    ("third-party-payment", "Opérateur de tiers payant", "Third-party payment operator"),
    ("health", "Santé", "Health"),
    ("insurance", "Assurance", "Insurance"),
    ("banking", "Banque", "Banking"),
    ("telecoms", "Télécommunications", "Telecommunications"),
    ("retail", "Commerce", "Retail"),
    ("public-sector", "Secteur public", "Public sector"),
    ("digital", "Numérique", "Digital services"),
    ("energy", "Énergie", "Energy"),
    ("education", "Éducation", "Education"),
    ("other", "Autre", "Other"),
)


@dataclass
class World:
    plan: Plan
    rng: random.Random
    streams: Streams
    investigators: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    legal: list[int] = field(default_factory=list)
    administrators: list[int] = field(default_factory=list)
    portal: list[tuple[int, int]] = field(default_factory=list)  # (user id, organisation id)
    emails: dict[int, str] = field(default_factory=dict)
    actors: dict[int, tuple] = field(default_factory=dict)  # audit snapshot per staff/portal user
    org_names: list[str] = field(default_factory=list)  # index = organisation id
    portal_by_org: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    accesses_of: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    requests_of: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    cases_of: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # team memberships
    last_id: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    case_permissions: list[int] = field(default_factory=list)  # view_case, change_case
    operator_sector: int | None = None

    def next_id(self, table: str) -> int:
        self.last_id[table] += 1
        return self.last_id[table]

    @property
    def staff(self) -> list[int]:
        return self.investigators + self.managers + self.legal


def _groups() -> dict[str, int]:
    with connection.cursor() as cursor:
        for role in Role.values:
            cursor.execute("INSERT INTO auth_group (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", [role])
        cursor.execute("SELECT name, id FROM auth_group")
        return dict(cursor.fetchall())


def _sectors() -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM organisations_sector")
        if not cursor.fetchone()[0]:
            for code, name_fr, name_en in SECTORS:
                cursor.execute(
                    "INSERT INTO organisations_sector (code, name_fr, name_en) VALUES (%s, %s, %s)",
                    [code, name_fr, name_en],
                )
        cursor.execute("SELECT id, code FROM organisations_sector ORDER BY id")
        return cursor.fetchall()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def make_people(world: World) -> None:
    """Staff first (investigators, managers, legal, one administrator), then the portal users."""
    plan, rng, streams = world.plan, world.rng, world.streams
    groups = _groups()
    password = make_password(PASSWORD)
    users, memberships = streams["accounts_user"], streams["accounts_user_groups"]
    joined = stamp(0.0)
    staff = (
        (Role.INVESTIGATOR, "enqueteur", plan.investigators, world.investigators),
        (Role.MANAGER, "responsable", plan.managers, world.managers),
        (Role.LEGAL, "juriste", plan.legal, world.legal),
        (Role.ADMINISTRATOR, "admin", 1, world.administrators),
    )
    for role, prefix, count, ids in staff:
        for n in range(1, count + 1):
            pk = world.next_id("accounts_user")
            name = _name(rng)
            email = f"{prefix}{n}@cnil.fr"
            users.add(str(pk), password, "\\N", "f", email, name, "staff", "t", joined)
            memberships.add(str(world.next_id("accounts_user_groups")), str(pk), str(groups[role]))
            ids.append(pk)
            world.emails[pk] = email
            world.actors[pk] = (pk, name, str(role), "staff")
    for n in range(1, plan.portal_users + 1):
        pk = world.next_id("accounts_user")
        # A few portal users act for the two big operators, the others for organisations spread out.
        org = 1 + (n - 1) % 2 if n <= 6 else 3 + (n * 7919) % (plan.organisations - 2)
        name = _name(rng)
        email = f"contact{n}@organisme{org}.example.fr"
        users.add(str(pk), password, "\\N", "f", email, name, "organisation", "t", joined)
        world.portal.append((pk, org))
        world.portal_by_org[org].append(pk)
        world.emails[pk] = email
        world.actors[pk] = (pk, name, "organisation", "organisation")


def make_organisations(world: World) -> None:
    plan, rng, streams = world.plan, world.rng, world.streams
    sectors = _sectors()
    by_code = {code: pk for pk, code in sectors}
    operator_sector = world.operator_sector = by_code.get("third-party-payment", sectors[0][0])
    orgs, history = streams["organisations_organisation"], streams["organisations_historicalorganisation"]
    world.org_names = [""]
    creator = world.investigators[0]
    for pk in range(1, plan.organisations + 1):
        if pk <= len(BIG_ORGANISATIONS):
            name, sector = BIG_ORGANISATIONS[pk - 1][0], operator_sector
        else:
            name = f"{rng.choice(ORG_PREFIXES)} {rng.choice(ORG_NAMES)} {pk}"
            sector = sectors[int(rng.random() * len(sectors))][0]
        city = CITIES[pk % len(CITIES)]
        created = stamp(pk * 60.0)
        fields = (
            str(pk),
            created,
            created,
            name,
            "FR",
            str(300_000_000 + pk),
            f"{1 + pk % 120} rue de la République, {10_000 + pk % 85_000:05d} {city}",
            _name(rng),
            f"dpo@organisme{pk}.example.fr",
            f"01 {pk % 100:02d} {pk // 100 % 100:02d} {pk % 89:02d} {pk % 97:02d}",
        )
        orgs.add(*fields, "\\N", str(sector))
        history.add(*fields, str(pk), created, "organisation_create", "+", str(creator), "\\N", str(sector))
        world.org_names.append(name)
