"""The seven built-in roles and their scopes for users and teams.

Later issues add scopes for their own entities in their own migrations. Administrators may edit
names and scopes afterwards; the codes stay.
"""

from django.db import migrations

NONE, OWN, TEAM, ALL = 0, 1, 2, 3

ROLES = [
    # code, en, ru, uk, ro, administrator, {entity: (read, write)}
    ("administrator", "Administrator", "Администратор", "Адміністратор", "Administrator", True,
     {"user": (ALL, ALL), "team": (ALL, ALL), "job": (ALL, ALL)}),
    ("head_of_sales", "Head of sales", "Руководитель отдела продаж", "Керівник відділу продажів", "Șef vânzări", False,
     {"user": (ALL, OWN), "team": (ALL, NONE)}),
    ("supervisor", "Supervisor", "Супервайзер", "Супервайзер", "Supervizor", False,
     {"user": (TEAM, OWN), "team": (TEAM, NONE)}),
    ("manager", "Sales manager", "Менеджер по продажам", "Менеджер з продажу", "Manager vânzări", False,
     {"user": (TEAM, OWN), "team": (OWN, NONE)}),
    ("marketer", "Marketer", "Маркетолог", "Маркетолог", "Marketer", False,
     {"user": (ALL, OWN), "team": (ALL, NONE)}),
    ("service_engineer", "Service engineer", "Сервисный инженер", "Сервісний інженер", "Inginer service", False,
     {"user": (TEAM, OWN), "team": (OWN, NONE)}),
    ("accountant", "Accountant", "Бухгалтер", "Бухгалтер", "Contabil", False,
     {"user": (ALL, OWN), "team": (ALL, NONE)}),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("users", "Role")
    RoleScope = apps.get_model("users", "RoleScope")
    for code, en, ru, uk, ro, is_admin, scopes in ROLES:
        role, _ = Role.objects.update_or_create(
            code=code,
            defaults={"name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro, "is_administrator": is_admin, "is_system": True},
        )
        for entity, (read, write) in scopes.items():
            RoleScope.objects.update_or_create(role=role, entity=entity, defaults={"read_scope": read, "write_scope": write})


def delete_roles(apps, schema_editor):
    apps.get_model("users", "Role").objects.filter(code__in=[row[0] for row in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("users", "0001_initial")]
    operations = [migrations.RunPython(create_roles, delete_roles)]
