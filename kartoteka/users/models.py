"""Users, the team tree, roles with per-entity scopes, and absence periods."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.core.models import LocalizedNameModel, TimeStampedModel

if TYPE_CHECKING:
    from kartoteka.users.access import AccessContext


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class Scope(models.IntegerChoices):
    """How far a role reaches for one entity type. Larger includes smaller, so a union is a max."""

    NONE = 0, pgettext_lazy("access scope", "none")
    OWN = 1, pgettext_lazy("access scope", "own")
    TEAM = 2, pgettext_lazy("access scope", "team")
    ALL = 3, pgettext_lazy("access scope", "all")


class TeamKind(models.TextChoices):
    DEPARTMENT = "department", _("department")
    GROUP = "group", _("group")


class Team(TimeStampedModel):
    """A node of the organisation tree. ``path`` is materialised ("000001.000004.") for subtree queries."""

    PATH_STEP = 7

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices, default=TeamKind.GROUP)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent team"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_teams",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="team_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    def is_descendant_of(self, other: Team) -> bool:
        return bool(other.path) and self.path.startswith(other.path)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def available(self, on: datetime.date | None = None) -> models.QuerySet[User]:
        """Active users who are not absent on the given day (assignment skips the others)."""
        day = on or timezone.localdate()
        absent = Absence.objects.filter(starts_on__lte=day, ends_on__gte=day).values("user_id")
        return self.filter(is_active=True).exclude(pk__in=absent)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    roles = models.ManyToManyField("users.Role", verbose_name=_("roles"), blank=True, related_name="users")
    language = models.CharField(_("language"), max_length=10, choices=language_choices, default="ru")
    time_zone = models.CharField(_("time zone"), max_length=64, choices=timezone_choices, default="Europe/Moscow")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("administration site access"), default=False, help_text=_("Set automatically for administrators.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    _access: AccessContext | None = None

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["last_name", "first_name", "id"], name="user_name_order_idx")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    def get_short_name(self) -> str:
        if self.last_name and self.first_name:
            return f"{self.last_name} {self.first_name[0]}."
        return self.last_name or self.first_name or self.email

    def is_absent(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.absences.filter(starts_on__lte=day, ends_on__gte=day).exists()


class Role(LocalizedNameModel):
    """A job role. Its scopes say, per entity type, how far its holders may read and write."""

    ADMINISTRATOR = "administrator"
    HEAD_OF_SALES = "head_of_sales"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    MARKETER = "marketer"
    SERVICE_ENGINEER = "service_engineer"
    ACCOUNTANT = "accountant"

    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_administrator = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_("Full access to every entity plus the administration site and the Jobs page."),
    )
    is_system = models.BooleanField(_("built-in"), default=False, editable=False)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")


def entity_choices() -> list[tuple[str, str]]:
    from kartoteka.users import access

    return access.entity_choices()


class RoleScope(models.Model):
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="scopes")
    entity = models.CharField(_("entity"), max_length=50, choices=entity_choices)
    read_scope = models.PositiveSmallIntegerField(_("read"), choices=Scope.choices, default=Scope.NONE)
    write_scope = models.PositiveSmallIntegerField(_("write"), choices=Scope.choices, default=Scope.NONE)

    class Meta:
        ordering = ["role", "entity"]
        verbose_name = _("role scope")
        verbose_name_plural = _("role scopes")
        constraints = [
            models.UniqueConstraint(fields=["role", "entity"], name="role_scope_unique_entity"),
            models.CheckConstraint(condition=Q(write_scope__lte=models.F("read_scope")), name="role_scope_write_within_read"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.get_entity_display()}"

    def clean(self) -> None:
        if self.write_scope > self.read_scope:
            raise ValidationError({"write_scope": _("Write scope cannot be wider than read scope.")})


class AbsenceKind(models.TextChoices):
    VACATION = "vacation", _("vacation")
    SICK_LEAVE = "sick_leave", _("sick leave")
    BUSINESS_TRIP = "business_trip", _("business trip")
    OTHER = "other", _("other")


class Absence(TimeStampedModel):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=20, choices=AbsenceKind.choices, default=AbsenceKind.VACATION)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start")]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"], name="absence_user_period_idx")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The absence cannot end before it starts.")})
