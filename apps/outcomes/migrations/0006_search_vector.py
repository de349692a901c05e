"""PostgreSQL only: a French full-text search vector of each finding (facts first, then the Art. 83(2) factors), GIN-indexed."""

from django.db import migrations

from apps.core.fts import add_generated_vector, drop_vector

TABLE = "outcomes_finding"
WEIGHTED = [
    ("facts", "A"),
    ("processing", "B"),
    ("gravity", "C"),
    ("damage", "C"),
    ("mitigation", "C"),
    ("responsibility", "C"),
    ("previous_infringements", "C"),
    ("codes_certification", "C"),
    ("other_factors", "C"),
]


def create(apps, schema_editor):
    add_generated_vector(schema_editor, TABLE, WEIGHTED)


def drop(apps, schema_editor):
    drop_vector(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0005_sanction_procedure")]

    operations = [migrations.RunPython(create, drop)]
