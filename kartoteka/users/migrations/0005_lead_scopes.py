"""Give the built-in roles their scopes for web forms and lead submissions."""

from django.db import migrations

from kartoteka.users.defaults import install_default_roles


def refresh_roles(apps, schema_editor):
    install_default_roles(apps.get_model("users", "Role"), apps.get_model("users", "RoleScope"))


def remove_lead_scopes(apps, schema_editor):
    apps.get_model("users", "RoleScope").objects.filter(entity="lead").delete()


class Migration(migrations.Migration):
    dependencies = [("users", "0004_deal_scopes")]
    operations = [migrations.RunPython(refresh_roles, remove_lead_scopes)]
