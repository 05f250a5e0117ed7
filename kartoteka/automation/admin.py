"""Administrators configure calendars, service levels and assignment queues here.

Bad input comes back as form errors: the models' checks and the formsets below catch what the
database constraints would otherwise reject.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.automation import services
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
from kartoteka.automation.rules import rule_clean
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

RULE_HELP = _(
    'Conditions, e.g. {"pipeline": [1], "client_category": [2, 3], "amount_min": "100000"} — names: pipeline, '
    "stage, source, owner, client_category, client_segment (lists of ids), amount_min, amount_max, task_kind. "
    'Actions, a list run in order, e.g. [{"type": "create_task", "title": "Call {client} within 15 minutes", '
    '"kind": "call", "minutes": 15, "assignee": "owner"}]. Types: create_task (deadline: minutes | '
    "sla_response | sla_callback; working_time; assignee: owner, assignee, supervisor, user:<id>, queue:<id>), "
    "notify (to, message), reassign (queue), change_field (field: probability, expected_close_in_days, title; value), "
    "move_stage (stage), send_email (to: contact | owner; subject; body), webhook (url, secret), generate_document "
    "(template). Texts may use {deal}, {client}, {stage}, {owner}, {amount}, {task}, {rule}."
)


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Rule
        fields = [
            "name", "is_active", "order", "trigger", "stage", "field_name", "delay_minutes", "working_time", "date_field",
            "offset_days", "conditions", "actions",
        ]  # fmt: skip
        widgets = {
            "conditions": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField", "spellcheck": "false"}),
            "actions": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField", "spellcheck": "false"}),
        }
        help_texts = {"actions": RULE_HELP}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        rule = self.instance
        for name, value in cleaned.items():
            setattr(rule, name, value)
        try:
            rule_clean(rule)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages_)
        cleaned.update(conditions=rule.conditions, actions=rule.actions, stage=rule.stage)
        return cleaned


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
    form = RuleForm
    list_display = ["name", "trigger", "is_active", "order"]
    list_filter = ["is_active", "trigger"]
    search_fields = ["name"]
    inlines = [RuleFiringInline]

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
