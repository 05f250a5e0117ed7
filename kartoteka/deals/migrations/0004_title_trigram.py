"""A trigram index on deal titles (PostgreSQL): word search in titles — global search, the list, the kanban and
the API — without reading every deal. SQLite has no such index; its deal counts stay small."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS deal_title_trgm_idx ON deals_deal USING gin (title gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS deal_title_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_list_sort_indexes"), ("search", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
