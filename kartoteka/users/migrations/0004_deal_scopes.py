"""Give the built-in roles their scopes for deals."""

from django.db import migrations

from kartoteka.users.defaults import install_default_roles


def refresh_roles(apps, schema_editor):
    install_default_roles(apps.get_model("users", "Role"), apps.get_model("users", "RoleScope"))


def remove_deal_scopes(apps, schema_editor):
    apps.get_model("users", "RoleScope").objects.filter(entity="deal").delete()


class Migration(migrations.Migration):
    dependencies = [("users", "0003_client_scopes")]
    operations = [migrations.RunPython(refresh_roles, remove_deal_scopes)]
