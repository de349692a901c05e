"""The initial list of sectors (reference data; administrators may add more)."""

from django.db import migrations

SECTORS = [
    ("health-insurance", "Assurance santé complémentaire", "Complementary health insurance"),
    ("third-party-payment", "Opérateur de tiers payant", "Third-party payment operator"),
    ("health", "Santé", "Health"),
    ("insurance", "Assurance", "Insurance"),
    ("banking", "Banque", "Banking"),
    ("telecoms", "Télécommunications", "Telecommunications"),
    ("retail", "Commerce", "Retail"),
    ("public-sector", "Secteur public", "Public sector"),
    ("digital", "Numérique", "Digital services"),
    ("other", "Autre", "Other"),
]


def load(apps, schema_editor):
    sector = apps.get_model("organisations", "Sector")
    for code, name_fr, name_en in SECTORS:
        sector.objects.update_or_create(code=code, defaults={"name_fr": name_fr, "name_en": name_en})


def unload(apps, schema_editor):
    apps.get_model("organisations", "Sector").objects.filter(code__in=[c for c, _fr, _en in SECTORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
