"""Load the obligation catalogue (apps/outcomes/catalogue.py)."""

from django.db import migrations

from apps.outcomes.catalogue import ensure_catalogue


def load(apps, schema_editor):
    ensure_catalogue(apps.get_model("outcomes", "Obligation"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
