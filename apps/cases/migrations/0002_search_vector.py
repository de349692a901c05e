"""PostgreSQL only: a French full-text search vector of each case (reference, title, summary), GIN-indexed."""

from django.db import migrations

from apps.core.fts import add_generated_vector, drop_vector

TABLE = "cases_case"
WEIGHTED = [("reference", "A"), ("title", "A"), ("summary", "B")]


def create(apps, schema_editor):
    add_generated_vector(schema_editor, TABLE, WEIGHTED)


def drop(apps, schema_editor):
    drop_vector(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
