"""One history row per change, many-to-many fields included.

django-simple-history writes a version on every ``save()`` and another on every add, remove or
clear of a tracked many-to-many field (``HistoricalRecords(m2m_fields=...)``). Creating an object
with its relations, or changing fields and relations together, would leave two or three versions
of one change: the timeline would show them as separate changes, and the table grows for nothing.
:func:`save_with_m2m` saves an object and sets its relations as one version, whose many-to-many
snapshot holds the relations as they are once the change is done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models
from simple_history.models import HistoricalRecords


@contextmanager
def history_paused(instance: models.Model) -> Iterator[models.Model]:
    """Saves and many-to-many changes of ``instance`` inside the block write no version (simple-history's
    ``skip_history_when_saving``)."""
    instance.skip_history_when_saving = True
    try:
        yield instance
    finally:
        del instance.skip_history_when_saving


def _m2m_snapshot(instance: models.Model, record: models.Model) -> None:
    """Record ``instance``'s current relations on its version ``record`` (what simple-history does on save)."""
    history_model = type(record)
    for field in history_model._history_m2m_fields:
        m2m_history_model = getattr(history_model, field.name).model
        through = field.remote_field.through
        rows = through.objects.filter(**{field.m2m_field_name(): instance})
        m2m_history_model.objects.bulk_create(
            m2m_history_model(history=record, **{f.attname: getattr(row, f.attname) for f in through._meta.fields})
            for row in rows
        )


def save_with_m2m(
    instance: models.Model, m2m: dict[str, Iterable], *, update_fields: Iterable[str] | None = None
) -> None:
    """Save ``instance`` and set its many-to-many fields (name → objects) as one version.

    A new object is saved first (its relations need its key): that save writes the "created"
    version, the relations are set without a version of their own and added to its snapshot. An
    existing object has its relations set first, without a version, then the save writes the one
    "changed" version, whose snapshot already holds them.
    """
    if instance._state.adding:
        instance.save()
        with history_paused(instance):
            for name, objects in m2m.items():
                getattr(instance, name).set(objects)
        _m2m_snapshot(instance, instance.history.latest())
        return
    with history_paused(instance):
        for name, objects in m2m.items():
            getattr(instance, name).set(objects)
    instance.save(update_fields=update_fields)


class CaseHistory(HistoricalRecords):
    """``HistoricalRecords`` with the indexes the case timeline reads a history table by.

    - ``(id, history_date, history_id)``: a version's predecessor, the latest earlier version of
      the same object (the timeline compares each "changed" version with it), and an object's
      history in order.
    - ``(<case>, history_date, history_id)`` when the table has its own ``case`` column
      (``case="case"``): the case's newest versions first, read in index order until a page is full.

    Index names are derived from the table name, so that they are short and unique.
    """

    def __init__(self, *args, case: str | None = None, **kwargs):
        self.case_field = case
        super().__init__(*args, **kwargs)

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        table = f"{model._meta.app_label}_historical{model._meta.model_name}"
        tag = hashlib.sha256(table.encode()).hexdigest()[:10]
        indexes = [
            *meta.get("indexes", ()),
            models.Index(fields=["id", "history_date", "history_id"], name=f"hv_{tag}_prev"),
        ]
        if self.case_field:
            indexes.append(models.Index(fields=[self.case_field, "history_date", "history_id"], name=f"hv_{tag}_case"))
        meta["indexes"] = tuple(indexes)
        return meta
