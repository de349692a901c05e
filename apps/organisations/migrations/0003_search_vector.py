"""PostgreSQL only: a French full-text search vector of each organisation (legal name, SIREN), GIN-indexed."""

from django.db import migrations

from apps.core.fts import add_generated_vector, drop_vector

TABLE = "organisations_organisation"
WEIGHTED = [("legal_name", "A"), ("siren", "A")]


def create(apps, schema_editor):
    add_generated_vector(schema_editor, TABLE, WEIGHTED)


def drop(apps, schema_editor):
    drop_vector(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0002_sectors")]

    operations = [migrations.RunPython(create, drop)]
