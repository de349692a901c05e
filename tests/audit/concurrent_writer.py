"""The writer process of the concurrency test, started with ``spawn``: a fresh interpreter that sets
Django up itself and opens its own connection to the test database, so no process shares a
socket inherited from the test runner (with ``fork``, a connection the runner still held —
another thread's, or one kept open inside a block — would be shared by every child and their
replies mixed up). Nothing here is imported at the top that needs Django to be set up.
"""

import os


def append(barrier, writer: int, database: str, events: int, shared_cases: tuple[int, ...]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")
    import django

    django.setup()
    from django.db import connections

    from apps.audit.choices import AuditAction
    from apps.audit.services import audit_record

    connections["default"].settings_dict["NAME"] = database
    try:
        barrier.wait(timeout=120)
        for i in range(events):
            if i % 5 == 4:
                case_id = None
            elif i % 2:
                case_id = shared_cases[i % 3]  # cases every writer appends to
            else:
                case_id = 200 + writer  # a case of this writer's own
            audit_record(
                actor=None,
                action=AuditAction.CASE_CHANGED,
                summary=f"writer {writer} event {i}",
                case_id=case_id,
                data={"writer": writer, "i": i},
            )
    finally:
        connections.close_all()
