"""The search index: document tables, their full-text objects (``schema.py``) and the first build."""

from typing import Any

from django.db import migrations, models

from kartoteka.search import schema


def create_trigram_extension(apps: Any, schema_editor: Any) -> None:
    # Not TrigramExtension(): undoing this migration must not drop an extension other apps may use.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def create_full_text_objects(apps: Any, schema_editor: Any) -> None:
    for statement in schema.create_statements(schema_editor.connection):
        schema_editor.execute(statement)


def drop_full_text_objects(apps: Any, schema_editor: Any) -> None:
    for statement in schema.drop_statements(schema_editor.connection):
        schema_editor.execute(statement)


def index_existing(apps: Any, schema_editor: Any) -> None:
    """Index the clients that exist already (a database that had clients before search came)."""
    from kartoteka.search import documents

    sources = documents.Sources(
        client=apps.get_model("clients", "Client"),
        contact=apps.get_model("contacts", "Contact"),
        point=apps.get_model("contacts", "ContactPoint"),
    )
    client_document = apps.get_model("search", "ClientDocument")
    contact_document = apps.get_model("search", "ContactDocument")
    last_id = 0
    while True:
        chunk = list(sources.client._default_manager.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:2000])
        if not chunk:
            return
        last_id = chunk[-1]
        built = documents.build_range(chunk[0], last_id, sources)
        client_document.objects.bulk_create(
            [client_document(client_id=doc.client_id, name=doc.name, text=doc.text) for doc in built.clients], batch_size=1000
        )
        contact_document.objects.bulk_create(
            [
                contact_document(contact_id=doc.contact_id, client_id=doc.client_id, name=doc.name, text=doc.text)
                for doc in built.contacts
            ],
            batch_size=1000,
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clients", "0001_initial"),
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientDocument",
            fields=[
                ("client_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255)),
                ("text", models.TextField()),
            ],
            options={
                "db_table": "search_client_document",
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="ContactDocument",
            fields=[
                ("contact_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("client_id", models.BigIntegerField(db_index=True)),
                ("name", models.CharField(max_length=255)),
                ("text", models.TextField()),
            ],
            options={
                "db_table": "search_contact_document",
                "default_permissions": (),
            },
        ),
        # Documents first, full-text indexes after: building an index over a filled table is much faster
        # than updating it row by row.
        migrations.RunPython(index_existing, migrations.RunPython.noop, elidable=True),
        # pg_trgm on PostgreSQL (a trusted extension: the database owner may create it); nothing elsewhere.
        migrations.RunPython(create_trigram_extension, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_full_text_objects, drop_full_text_objects, elidable=False),
    ]
