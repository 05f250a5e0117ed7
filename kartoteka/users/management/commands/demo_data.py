"""Create the demo organisation: teams and one user per role with known passwords. Safe to run again."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kartoteka.activities.demo import demo_activities
from kartoteka.deals.demo import demo_deals
from kartoteka.users import services
from kartoteka.users.models import Absence, AbsenceKind, Role, Team, TeamKind, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published on purpose for the demo

# (key, name, kind, parent key)
TEAMS = [
    ("sales", "Отдел продаж", TeamKind.DEPARTMENT, None),
    ("sales-moscow", "Группа «Москва»", TeamKind.GROUP, "sales"),
    ("sales-regions", "Группа «Регионы»", TeamKind.GROUP, "sales"),
    ("marketing", "Отдел маркетинга", TeamKind.DEPARTMENT, None),
    ("service", "Сервисная служба", TeamKind.DEPARTMENT, None),
    ("accounting", "Бухгалтерия", TeamKind.DEPARTMENT, None),
]

# (email, last, first, patronymic, position, team key, role code, language)
USERS = [
    ("admin@example.com", "Смирнов", "Алексей", "Петрович", "Системный администратор", None, Role.ADMINISTRATOR, "ru"),
    ("head@example.com", "Кузнецова", "Ольга", "Викторовна", "Руководитель отдела продаж", "sales", Role.HEAD_OF_SALES, "ru"),
    ("supervisor@example.com", "Волков", "Дмитрий", "Андреевич", "Руководитель группы", "sales-moscow", Role.SUPERVISOR, "ru"),
    ("manager@example.com", "Иванов", "Сергей", "Николаевич", "Менеджер по продажам", "sales-moscow", Role.MANAGER, "ru"),
    ("manager2@example.com", "Петрова", "Анна", "Сергеевна", "Менеджер по продажам", "sales-regions", Role.MANAGER, "ru"),
    ("marketer@example.com", "Соколова", "Мария", "Игоревна", "Маркетолог", "marketing", Role.MARKETER, "ru"),
    ("engineer@example.com", "Morozov", "Ivan", "", "Service engineer", "service", Role.SERVICE_ENGINEER, "en"),
    ("accountant@example.com", "Новикова", "Елена", "Александровна", "Главный бухгалтер", "accounting", Role.ACCOUNTANT, "ru"),
    ("measurer@example.com", "Замеров", "Павел", "", "Замерщик", "service", Role.SERVICE_ENGINEER, "ru"),
    ("installer@example.com", "Монтажников", "Игорь", "", "Монтажник", "service", Role.SERVICE_ENGINEER, "ru"),
]

HEADS = {"sales": "head@example.com", "sales-moscow": "supervisor@example.com"}


class Command(BaseCommand):
    help = "Create demo teams, one user per role, their clients and the clients' history (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset-passwords", action="store_true", help=f"Set every demo user's password to {DEMO_PASSWORD!r} again."
        )
        parser.add_argument(
            "--only",
            choices=["people", "clients", "all"],
            default="all",
            help="Stop after the people, or after the clients (without their history); default: everything.",
        )

    @transaction.atomic
    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        teams: dict[str, Team] = {}
        for key, name, kind, parent_key in TEAMS:
            parent = teams.get(parent_key) if parent_key else None
            existing = Team.objects.filter(name=name, parent=parent).first()
            teams[key] = existing or services.team_create(actor=None, name=name, kind=kind, parent=parent)

        roles = {role.code: role for role in Role.objects.all()}
        created = 0
        for email, last, first, patronymic, position, team_key, role_code, language in USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = services.user_create(
                    actor=None,
                    email=email,
                    password=DEMO_PASSWORD,
                    last_name=last,
                    first_name=first,
                    patronymic=patronymic,
                    position=position,
                    team=teams[team_key] if team_key else None,
                    roles=[roles[role_code]],
                    language=language,
                )
                created += 1
            elif reset_passwords:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])

        for team_key, email in HEADS.items():
            team = teams[team_key]
            if team.head_id is None:
                services.team_update(actor=None, team=team, head=User.objects.get(email=email))

        manager2 = User.objects.get(email="manager2@example.com")
        if not Absence.objects.filter(user=manager2).exists():
            start = timezone.localdate() + datetime.timedelta(days=3)
            services.absence_create(
                actor=None,
                user=manager2,
                kind=AbsenceKind.VACATION,
                starts_on=start,
                ends_on=start + datetime.timedelta(days=13),
                note="Отпуск",
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new users)."))
        only = options.get("only", "all")
        if only != "people":
            # The clients belong to the users above; their command lives with the clients app.
            call_command("demo_clients", verbosity=options.get("verbosity", 1), stdout=self.stdout)
        if only == "all":
            self.stdout.write(self.style.SUCCESS(str(demo_activities())))  # their history and planned work
            self.stdout.write(self.style.SUCCESS(str(demo_deals())))  # the funnel, and seed 001's window installers
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(demo_logins())


def demo_logins() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for email, last, first, _patronymic, _position, _team, role_code, _language in USERS:
        lines.append(f"  {role_code:<17} {email:<26} {last} {first}")
    return "\n".join(lines)
