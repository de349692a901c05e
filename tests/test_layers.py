"""Foreign keys respect the one-way layers, like imports do (import-linter checks the imports).

The layer order is read from the import-linter contract in pyproject.toml, so the two checks
can never disagree.
"""

import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def layer_of() -> dict[str, int]:
    contract = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"][0]
    ranks = {}
    for rank, layer in enumerate(reversed(contract["layers"])):  # lowest layer first
        for name in re.findall(r"[a-z_]+", layer):
            ranks[name] = rank
    return ranks


def test_layer_contract_lists_every_project_app():
    ranks = layer_of()
    ours = [c.label for c in apps.get_app_configs() if c.name.startswith("apps.")]
    assert ours, "no project app found"
    assert not [label for label in ours if label not in ranks], "an app is missing from the layer contract"


def test_foreign_keys_point_down_or_within_the_same_app():
    ranks = layer_of()
    wrong = []
    for model in apps.get_models(include_auto_created=True):
        source = model._meta.app_label
        if source not in ranks:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model._meta.app_label
            if target == source or target not in ranks:
                continue
            # STYLE.md: notifications, beside accounts, refers to users through settings.AUTH_USER_MODEL.
            if field.related_model._meta.label == settings.AUTH_USER_MODEL and ranks[target] == ranks[source]:
                continue
            if ranks[target] >= ranks[source]:
                wrong.append(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    assert not wrong, "foreign keys against the layers:\n" + "\n".join(wrong)


def test_audit_events_hold_no_foreign_key():
    model = apps.get_model("audit", "AuditEvent")
    assert not [f.name for f in model._meta.get_fields() if f.is_relation]
