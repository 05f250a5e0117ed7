"""Starting activity results; administrators edit them afterwards."""

from django.db import migrations

from kartoteka.activities.defaults import install_activity_results


def install(apps, schema_editor):
    install_activity_results(apps)


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
