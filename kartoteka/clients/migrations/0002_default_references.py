"""Starting reference lists and territories; administrators edit them afterwards."""

from django.db import migrations

from kartoteka.clients.defaults import install_client_references, install_territories


def install(apps, schema_editor):
    install_client_references(apps)
    install_territories(apps)


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
