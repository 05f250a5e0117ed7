"""Starting contact roles and management levels; administrators edit them afterwards."""

from django.db import migrations

from kartoteka.clients.defaults import install_contact_references


def install(apps, schema_editor):
    install_contact_references(apps)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
