"""A GIN index on clients.custom_fields for PostgreSQL, so list filters on custom fields use it.

Filters on choice, multiple-choice, yes/no and user fields ask ``custom_fields @> {...}`` on
PostgreSQL (see ``kartoteka/customfields/lists.py``); ``jsonb_path_ops`` serves exactly that operator
with a smaller index. SQLite has no such index type, so there the migration does nothing.
The index lives in this app's migrations because the clients app does not know about custom fields.
"""

from django.db import migrations

INDEX = "client_custom_fields_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("clients", "Client")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (custom_fields jsonb_path_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("customfields", "0002_limits"),
        ("clients", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
