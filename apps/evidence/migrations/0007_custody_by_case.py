"""Custody events carry their evidence's case, so that the case timeline reads a case's newest
custody events from an index (a case with 5,000 items has 40,000 events at the scale benchmark).

The column is filled from the evidence for the events already written: one UPDATE, the same SQL on
SQLite and PostgreSQL (the custody log's append-only rule is the model's; rows keep their content).
"""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = (
    "UPDATE evidence_custodyevent SET case_id = "
    "(SELECT e.case_id FROM evidence_evidence e WHERE e.id = evidence_custodyevent.evidence_id) "
    "WHERE case_id IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_team_list_index"),
        ("evidence", "0006_history_read_by_case_and_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="custodyevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.case",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="custodyevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.case",
            ),
        ),
        migrations.AddIndex(
            model_name="custodyevent",
            index=models.Index(fields=["case", "at", "id"], name="custody_case_time_idx"),
        ),
    ]
