"""Administrators configure calendars, service levels, assignment queues and automation rules here.

Bad input comes back as form errors: the models' checks and the formsets below catch what the
database constraints would otherwise reject.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kartoteka.automation import services
from kartoteka.automation.forms import RuleForm
from kartoteka.automation.models import (
    AssignmentQueue,
    CalendarTeam,
    Holiday,
    QueueMember,
    ServiceLevel,
    Weekday,
    WorkCalendar,
    WorkingHours,
)
from kartoteka.automation.rule_models import Rule, RuleFiring
from kartoteka.automation.service_levels import service_level_prompt
from kartoteka.automation.worktime import first_overlap


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}"


class WorkingHoursFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Intervals of one weekday must not overlap (touching is fine: 09:00–13:00 and 14:00–18:00, or 13:00–18:00)."""

    def clean(self) -> None:
        super().clean()
        days: defaultdict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            days[int(data["weekday"])].append((data["start_time"], data["end_time"]))
        errors = []
        for weekday, intervals in sorted(days.items()):
            overlap = first_overlap(intervals)
            if overlap is not None:
                (a_start, a_end), (b_start, b_end) = overlap
                errors.append(
                    ValidationError(
                        _("%(day)s: %(first)s overlaps %(second)s."),
                        params={
                            "day": Weekday(weekday).label,
                            "first": f"{_clock(a_start)}–{_clock(a_end)}",
                            "second": f"{_clock(b_start)}–{_clock(b_end)}",
                        },
                        code="overlap",
                    )
                )
        if errors:
            raise ValidationError(errors)


class WorkingHoursInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    fields = ["weekday", "start_time", "end_time"]


class HolidayInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Holiday
    extra = 0
    fields = ["date", "name", "is_working_day", "start_time", "end_time"]


class CalendarTeamInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarTeam
    extra = 0
    fields = ["team"]
    autocomplete_fields = ["team"]
    verbose_name = _("team")
    verbose_name_plural = _("teams following this calendar (and their sub-teams without a calendar of their own)")


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "time_zone", "is_default"]
    search_fields = ["name"]
    fields = ["name", "time_zone", "is_default"]
    readonly_fields = ["is_default"]
    inlines = [WorkingHoursInline, HolidayInline, CalendarTeamInline]
    actions = ["make_default"]

    def has_delete_permission(self, request: HttpRequest, obj: WorkCalendar | None = None) -> bool:
        # Teams without a calendar fall back to the default: there must always be one.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_default)

    @admin.action(description=_("Make the selected calendar the default"))
    def make_default(self, request: HttpRequest, queryset: QuerySet[WorkCalendar]) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Select exactly one calendar to make it the default."), messages.ERROR)
            return
        services.work_calendar_make_default(actor=request.user, calendar=chosen[0])  # type: ignore[arg-type]
        self.message_user(request, _("“%(name)s” is now the default calendar.") % {"name": chosen[0].name}, messages.SUCCESS)


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["category", "response_minutes", "callback_minutes", "onsite_meetings_allowed", "preview"]
    list_select_related = ["category"]
    fieldsets = [
        (None, {"fields": ["category", "response_minutes", "callback_minutes", "onsite_meetings_allowed"]}),
        (_("What to offer"), {"fields": ["offer_en", "offer_ru", "offer_uk", "offer_ro"]}),
        (_("Prompt for the manager"), {"fields": ["prompt_en", "prompt_ru", "prompt_uk", "prompt_ro"]}),
    ]

    @admin.display(description=_("as the card shows it"))
    def preview(self, level: ServiceLevel) -> str:
        return service_level_prompt(level)


class QueueMemberInline(admin.TabularInline):  # type: ignore[type-arg]
    model = QueueMember
    extra = 0
    fields = ["position", "user", "is_active"]
    autocomplete_fields = ["user"]
    ordering = ["position", "id"]


@admin.register(AssignmentQueue)
class AssignmentQueueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "strategy", "team", "last_assigned"]
    list_select_related = ["team", "last_member__user"]
    list_filter = ["strategy"]
    search_fields = ["name"]
    fields = ["name", "strategy", "team", "last_assigned"]
    readonly_fields = ["last_assigned"]
    autocomplete_fields = ["team"]
    inlines = [QueueMemberInline]

    @admin.display(description=_("last assigned"))
    def last_assigned(self, queue: AssignmentQueue) -> Any:
        return queue.last_member.user if queue.last_member is not None else "—"


# --- automation rules ---------------------------------------------------------------------------


class RuleFiringInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RuleFiring
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["fired_at", "event_key", "status", "deal", "client", "outcome"]
    readonly_fields = ["fired_at", "event_key", "status", "deal", "client", "outcome"]
    ordering = ["-fired_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RuleFiring]:
        return super().get_queryset(request).select_related("deal", "client")


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Conditions are fields, actions a list of rows (``forms.RuleForm``; the rows are drawn by
    ``admin/automation/rule/change_form.html``)."""

    form = RuleForm
    list_display = ["name", "trigger", "is_active", "order"]
    list_filter = ["is_active", "trigger"]
    search_fields = ["name"]
    inlines = [RuleFiringInline]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "order"]}),
        (
            capfirst(Rule._meta.get_field("trigger").verbose_name),
            {"fields": ["trigger", "stage", "field_name", ("delay_minutes", "working_time"), "date_field", "offset_days"]},
        ),
        (
            capfirst(Rule._meta.get_field("conditions").verbose_name),
            {
                "description": _("All the conditions filled in must hold; leave a condition empty to ignore it."),
                "fields": [
                    ("condition_pipeline", "condition_source"),
                    "condition_stage",
                    "condition_owner",
                    ("condition_client_category", "condition_client_segment"),
                    ("condition_amount_min", "condition_amount_max"),
                    "condition_task_kind",
                ],
            },
        ),
    ]

    def get_inlines(self, request: HttpRequest, obj: Rule | None) -> list[type[InlineModelAdmin]]:  # type: ignore[type-arg]
        return list(super().get_inlines(request, obj)) if obj is not None else []  # a new rule has not fired yet

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
