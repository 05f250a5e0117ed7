"""The starting pipeline and reasons for losing; administrators edit them afterwards."""

from django.db import migrations

from kartoteka.deals.defaults import install_deal_defaults


def install(apps, schema_editor):
    install_deal_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
