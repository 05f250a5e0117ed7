"""The built-in roles and their scopes for users, teams, jobs, clients, deals and leads.

Used by the data migration that installs them and by tests that need them after a transactional
test flushed the database. A later issue that adds an entity adds its scopes here and calls
``install_default_roles`` from a new data migration of its own (it only creates or refreshes rows).
"""

from __future__ import annotations

from typing import Any

NONE, OWN, TEAM, ALL = 0, 1, 2, 3

ROLES = [
    # code, en, ru, uk, ro, administrator, {entity: (read, write)}
    (
        "administrator",
        "Administrator",
        "Администратор",
        "Адміністратор",
        "Administrator",
        True,
        {"user": (ALL, ALL), "team": (ALL, ALL), "job": (ALL, ALL), "client": (ALL, ALL), "deal": (ALL, ALL), "lead": (ALL, ALL)},
    ),
    (
        "head_of_sales",
        "Head of sales",
        "Руководитель отдела продаж",
        "Керівник відділу продажів",
        "Șef vânzări",
        False,
        {"user": (ALL, OWN), "team": (ALL, NONE), "client": (ALL, ALL), "deal": (ALL, ALL), "lead": (ALL, ALL)},
    ),
    (
        "supervisor",
        "Supervisor",
        "Супервайзер",
        "Супервайзер",
        "Supervizor",
        False,
        {"user": (TEAM, OWN), "team": (TEAM, NONE), "client": (TEAM, TEAM), "deal": (TEAM, TEAM)},
    ),
    (
        "manager",
        "Sales manager",
        "Менеджер по продажам",
        "Менеджер з продажу",
        "Manager vânzări",
        False,
        {"user": (TEAM, OWN), "team": (OWN, NONE), "client": (OWN, OWN), "deal": (OWN, OWN)},
    ),
    (
        "marketer",
        "Marketer",
        "Маркетолог",
        "Маркетолог",
        "Marketer",
        False,
        {"user": (ALL, OWN), "team": (ALL, NONE), "client": (ALL, NONE), "deal": (ALL, NONE), "lead": (ALL, ALL)},
    ),
    (
        "service_engineer",
        "Service engineer",
        "Сервисный инженер",
        "Сервісний інженер",
        "Inginer service",
        False,
        {"user": (TEAM, OWN), "team": (OWN, NONE), "client": (ALL, NONE), "deal": (ALL, NONE)},
    ),
    (
        "accountant",
        "Accountant",
        "Бухгалтер",
        "Бухгалтер",
        "Contabil",
        False,
        {"user": (ALL, OWN), "team": (ALL, NONE), "client": (ALL, NONE), "deal": (ALL, NONE)},
    ),
]


def install_default_roles(role_model: Any, role_scope_model: Any) -> None:
    """Create or refresh the built-in roles; takes the models so migrations can pass historical ones."""
    for code, en, ru, uk, ro, is_admin, scopes in ROLES:
        role, _ = role_model.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_ru": ru,
                "name_uk": uk,
                "name_ro": ro,
                "is_administrator": is_admin,
                "is_system": True,
            },
        )
        for entity, (read, write) in scopes.items():
            role_scope_model.objects.update_or_create(
                role=role, entity=entity, defaults={"read_scope": read, "write_scope": write}
            )
