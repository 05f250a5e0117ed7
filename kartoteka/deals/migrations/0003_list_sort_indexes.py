"""The deal list's sorts, each served by an index (kartoteka/deals/views/lists.py).

Title and time in the stage: plain indexes, read in either direction. Amount and expected close sort with
empty values last both ways; ascending, the existing (amount, id) and (expected_close_on, id) indexes give
that order on PostgreSQL, descending needs ``DESC NULLS LAST`` indexes of their own. SQLite cannot declare
an index's null order, and its embedded data sets are small: those two are created on PostgreSQL only.
"""

from django.db import migrations, models

DESCENDING = {
    "deal_amount_desc_idx": "amount",
    "deal_expected_close_desc_idx": "expected_close_on",
}


def create_descending(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in DESCENDING.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON deals_deal ({column} DESC NULLS LAST, id DESC)")


def drop_descending(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DESCENDING:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0002_defaults"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["title", "id"], name="deal_title_idx"),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["stage_entered_at", "id"], name="deal_stage_entered_idx"),
        ),
        migrations.RunPython(create_descending, drop_descending),
    ]
