"""Working-time calendars, service levels by client category, and assignment queues.

The rules engine builds on these: deadlines are counted in a calendar's working time, the service
level says how fast a client of a category is answered, and a queue says who gets the next one.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import NAME_LANGUAGES, localized
from kartoteka.users.models import timezone_choices

MIDNIGHT = datetime.time(0)
# Working minutes of a service level: at most a year of round-the-clock time, so sums never overflow.
MAX_WORKING_MINUTES = 366 * 24 * 60


class Weekday(models.IntegerChoices):
    """Python's ``date.weekday()`` numbering."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}, code="time_zone") from None


def ends_after_start(start: datetime.time | None, end: datetime.time | None) -> bool:
    """An interval within one day; an end of 00:00 means midnight at the end of the day."""
    return start is not None and end is not None and (end == MIDNIGHT or start < end)


def _interval_q() -> Q:
    return Q(end_time__gt=F("start_time")) | Q(end_time=MIDNIGHT)


INTERVAL_ERROR = _("The end must be later than the start (00:00 as the end means midnight).")


class WorkCalendar(models.Model):
    """Working hours, holidays and transferred working days in one time zone, for a set of teams.

    A team without a calendar of its own follows its parent team's; the default calendar serves the rest.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=timezone_choices, default=default_time_zone, validators=[validate_time_zone]
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        editable=False,
        help_text=_("Used by teams that have no calendar of their own, nor a parent team with one."),
    )
    teams = models.ManyToManyField(
        "users.Team", verbose_name=_("teams"), through="CalendarTeam", blank=True, related_name="work_calendars"
    )

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("working-time calendar")
        verbose_name_plural = _("working-time calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="work_calendar_single_default",
                violation_error_message=_("Another calendar is already the default."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarTeam(models.Model):
    """A team follows one calendar at most (the unique team is what guarantees it)."""

    calendar = models.ForeignKey(WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="team_links")
    team = models.OneToOneField(
        "users.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="calendar_link",
        error_messages={"unique": _("This team already follows another calendar.")},
    )

    class Meta:
        verbose_name = _("team of a calendar")
        verbose_name_plural = _("teams of the calendar")

    def __str__(self) -> str:
        return f"{self.team} → {self.calendar}"

    def clean(self) -> None:
        if self.team_id is None:
            return
        other = CalendarTeam.objects.filter(team_id=self.team_id).exclude(pk=self.pk).select_related("calendar", "team").first()
        if other is not None and other.calendar_id != self.calendar_id:
            raise ValidationError(
                {
                    "team": _("The team “%(team)s” already follows the calendar “%(calendar)s”.")
                    % {"team": other.team.name, "calendar": other.calendar.name}
                }
            )


class WorkingHours(models.Model):
    """One working interval of a weekday; several per day make a lunch break."""

    calendar = models.ForeignKey(WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["calendar", "weekday", "start_time"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=_interval_q(), name="working_hours_end_after_start", violation_error_message=INTERVAL_ERROR
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time is not None and self.end_time is not None and not ends_after_start(self.start_time, self.end_time):
            raise ValidationError({"end_time": INTERVAL_ERROR})


class Holiday(models.Model):
    """A day off on a working weekday, or (``is_working_day``) a day worked with its own hours.

    The second covers a Saturday worked in exchange for a bridge day and a shortened pre-holiday day.
    """

    calendar = models.ForeignKey(WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_working_day = models.BooleanField(
        _("working day"), default=False, help_text=_("Worked from “from” to “to” instead of the usual hours of the weekday.")
    )
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("holiday or working day")
        verbose_name_plural = _("holidays and working days")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="holiday_unique_date",
                violation_error_message=_("This calendar already has an entry for this date."),
            ),
            models.CheckConstraint(
                condition=(Q(is_working_day=False, start_time__isnull=True, end_time__isnull=True))
                | (Q(is_working_day=True, start_time__isnull=False, end_time__isnull=False) & _interval_q()),
                name="holiday_hours_only_on_working_days",
                violation_error_message=_("A working day needs its hours (the end after the start); a day off has none."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name}".strip()

    def clean(self) -> None:
        if self.is_working_day:
            errors = {}
            if self.start_time is None:
                errors["start_time"] = _("A working day needs its hours.")
            if self.end_time is None:
                errors["end_time"] = _("A working day needs its hours.")
            elif self.start_time is not None and not ends_after_start(self.start_time, self.end_time):
                errors["end_time"] = INTERVAL_ERROR
            if errors:
                raise ValidationError(errors)
        elif self.start_time is not None or self.end_time is not None:
            raise ValidationError(_("Hours are given only for working days; clear them or tick “working day”."))


class ServiceLevel(models.Model):
    """How a client of one category is served (seed 002): how fast, whether we travel, what to offer."""

    category = models.OneToOneField(
        "clients.ClientCategory",
        verbose_name=_("client category"),
        on_delete=models.CASCADE,
        related_name="service_level",
        error_messages={"unique": _("This category already has a service level.")},
    )
    response_minutes = models.PositiveIntegerField(
        _("response to a new request, working minutes"), validators=[MinValueValidator(1), MaxValueValidator(MAX_WORKING_MINUTES)]
    )
    callback_minutes = models.PositiveIntegerField(
        _("callback, working minutes"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WORKING_MINUTES)],
        help_text=_("How soon a promised call is made."),
    )
    onsite_meetings_allowed = models.BooleanField(_("on-site meetings allowed"), default=True)
    offer_en = models.CharField(_("what to offer (English)"), max_length=255, blank=True)
    offer_ru = models.CharField(_("what to offer (Russian)"), max_length=255, blank=True)
    offer_uk = models.CharField(_("what to offer (Ukrainian)"), max_length=255, blank=True)
    offer_ro = models.CharField(_("what to offer (Romanian)"), max_length=255, blank=True)
    prompt_en = models.CharField(_("prompt (English)"), max_length=255, blank=True)
    prompt_ru = models.CharField(_("prompt (Russian)"), max_length=255, blank=True)
    prompt_uk = models.CharField(_("prompt (Ukrainian)"), max_length=255, blank=True)
    prompt_ro = models.CharField(_("prompt (Romanian)"), max_length=255, blank=True)

    class Meta:
        ordering = ["category__order", "category__name_en"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.CheckConstraint(
                condition=Q(response_minutes__gte=1, callback_minutes__gte=1), name="service_level_positive_times"
            )
        ]

    def __str__(self) -> str:
        return str(self.category)

    @property
    def offer(self) -> str:
        """What to offer, in the current language (falling back to English, then Russian)."""
        return localized({f"name_{code}": getattr(self, f"offer_{code}") for code in NAME_LANGUAGES})

    @property
    def prompt(self) -> str:
        return localized({f"name_{code}": getattr(self, f"prompt_{code}") for code in NAME_LANGUAGES})


class QueueStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("round robin")
    LEAST_LOADED = "least_loaded", _("least loaded")


class AssignmentQueue(models.Model):
    """People who take turns receiving new work (leads, requests, reassigned clients)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    strategy = models.CharField(_("strategy"), max_length=20, choices=QueueStrategy.choices, default=QueueStrategy.ROUND_ROBIN)
    team = models.ForeignKey(
        "users.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignment_queues",
        help_text=_("The team the queue serves; its working-time calendar applies."),
    )
    # Where round robin stands: the next pick starts after this member.
    last_member = models.ForeignKey(
        "QueueMember",
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("assignment queue")
        verbose_name_plural = _("assignment queues")

    def __str__(self) -> str:
        return self.name


class QueueMember(models.Model):
    queue = models.ForeignKey(AssignmentQueue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="queue_memberships"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("takes work"), default=True)

    class Meta:
        ordering = ["queue", "position", "id"]
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "user"],
                name="queue_member_unique_user",
                violation_error_message=_("This person is already in the queue."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}: {self.user_id}"


# Rules live in their own module; importing them here registers them with the app.
from kartoteka.automation.rule_models import DateField, FiringStatus, Rule, RuleFiring, Trigger  # noqa: E402

__all__ = [
    "AssignmentQueue", "CalendarTeam", "DateField", "FiringStatus", "Holiday", "QueueMember", "QueueStrategy", "Rule",
    "RuleFiring", "ServiceLevel", "Trigger", "WorkCalendar", "WorkingHours",
]  # fmt: skip
