"""The database refuses to change or remove access records, but for their sealing.

The one update allowed sets ``batch_seq`` once, from NULL, leaving every other column as it was
(the sealer naming the audit event that sealed the record). PostgreSQL compares the whole row as
JSON minus ``batch_seq``; SQLite lists the columns. As for the audit events (migration 0002),
someone with full database access can disable the triggers: ``access_verify`` recomputes each
sealed batch against the digest its event carries in the chain.
"""

from django.db import migrations

TABLE = "audit_accessrecord"
COLUMNS = (
    "id",
    "at",
    "user_id",
    "user_name",
    "user_kind",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "label",
    "path",
    "ip",
)

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION audit_access_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.batch_seq IS NULL AND NEW.batch_seq IS NOT NULL
       AND (to_jsonb(NEW) - 'batch_seq') = (to_jsonb(OLD) - 'batch_seq') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'access log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accessrecord_no_change
    BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION audit_access_refuse_change();
CREATE TRIGGER audit_accessrecord_no_truncate
    BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION audit_access_refuse_change();
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS audit_accessrecord_no_change ON {TABLE};
DROP TRIGGER IF EXISTS audit_accessrecord_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS audit_access_refuse_change();
"""
_SAME = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in COLUMNS)
SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_accessrecord_no_update BEFORE UPDATE ON {TABLE}
        WHEN NOT (OLD.batch_seq IS NULL AND NEW.batch_seq IS NOT NULL AND {_SAME})
        BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;""",
    f"""CREATE TRIGGER audit_accessrecord_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_accessrecord_no_update;",
    "DROP TRIGGER IF EXISTS audit_accessrecord_no_delete;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0014_access_records")]

    operations = [migrations.RunPython(create, drop)]
