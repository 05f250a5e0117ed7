"""The default working-time calendar (Mon–Fri 09:00–18:00) and service levels for the default client categories."""

from django.db import migrations

from kartoteka.automation.defaults import (
    install_default_calendar,
    install_service_levels,
    remove_default_calendar,
    remove_service_levels,
)


def install(apps, schema_editor):
    install_default_calendar(apps)
    install_service_levels(apps)


def remove(apps, schema_editor):
    remove_service_levels(apps)
    remove_default_calendar(apps)


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial"), ("clients", "0002_default_references")]
    operations = [migrations.RunPython(install, remove)]
