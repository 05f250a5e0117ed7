"""Install the seven built-in roles. Administrators may edit names and scopes afterwards; the codes stay."""

from django.db import migrations

from kartoteka.users.defaults import ROLES, install_default_roles


def create_roles(apps, schema_editor):
    install_default_roles(apps.get_model("users", "Role"), apps.get_model("users", "RoleScope"))


def delete_roles(apps, schema_editor):
    apps.get_model("users", "Role").objects.filter(code__in=[row[0] for row in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("users", "0001_initial")]
    operations = [migrations.RunPython(create_roles, delete_roles)]
