"""PostgreSQL only: French full-text search vectors of request questions and answers, GIN-indexed.

Every answer has a vector; the search shows only those of submitted submissions (a draft is the
organisation's until it submits)."""

from django.db import migrations

from apps.core.fts import add_generated_vector, drop_vector

TABLES = {"info_requests_question": [("text", "A")], "info_requests_answer": [("text", "A")]}


def create(apps, schema_editor):
    for table, weighted in TABLES.items():
        add_generated_vector(schema_editor, table, weighted)


def drop(apps, schema_editor):
    for table in TABLES:
        drop_vector(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("info_requests", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
