"""Give the built-in roles their scopes for clients (and everything on a client card)."""

from django.db import migrations

from kartoteka.users.defaults import install_default_roles


def refresh_roles(apps, schema_editor):
    install_default_roles(apps.get_model("users", "Role"), apps.get_model("users", "RoleScope"))


def remove_client_scopes(apps, schema_editor):
    apps.get_model("users", "RoleScope").objects.filter(entity="client").delete()


class Migration(migrations.Migration):
    dependencies = [("users", "0002_default_roles")]
    operations = [migrations.RunPython(refresh_roles, remove_client_scopes)]
