"""Administrators configure calendars, service levels, queues and rules; mistakes come back as form errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kartoteka.automation.forms import (
    ASSIGNEES,
    CHANGEABLE,
    CONDITION_FIELDS,
    DEADLINES,
    PLAIN_PARAMETERS,
    RECIPIENTS,
    RuleForm,
)
from kartoteka.automation.models import AssignmentQueue, CalendarTeam, Rule, ServiceLevel, Trigger, WorkCalendar
from kartoteka.automation.rules import (
    ACTION_CLEANERS,
    ASSIGNEE_FORMS,
    CHANGEABLE_FIELDS,
    CONDITIONS,
    DEADLINE_FORMS,
    RECIPIENT_FORMS,
    clean_actions,
    rule_clean,
)
from kartoteka.automation.tests.factories import make_calendar, make_queue
from kartoteka.clients.models import ClientCategory, Segment
from kartoteka.deals.models import Pipeline, Stage
from kartoteka.testing.factories import UserFactory
from kartoteka.testing.html_forms import form_values

pytestmark = pytest.mark.django_db

INLINES = ("hours", "holidays", "team_links")


def inline(prefix: str, rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def calendar_form(name: str = "Kyiv office", **rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "time_zone": "Europe/Kyiv"}
    for prefix in INLINES:
        data.update(inline(prefix, rows.get(prefix, [])))
    return data


@pytest.fixture
def admin(world, client_for):
    return client_for(world.users["admin"])


ADD_CALENDAR = reverse("admin:automation_workcalendar_add")
ADD_RULE = reverse("admin:automation_rule_add")


def save_rule(**fields: Any) -> Rule:
    rule = Rule(**{"name": "Saved rule", "trigger": Trigger.DEAL_CREATED, **fields})
    rule_clean(rule)
    rule.save()
    return rule


def rule_form(rows: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The add form as an administrator fills it in: a rule for new deals with these action rows."""
    data: dict[str, Any] = {
        "name": "Big web leads",
        "is_active": "on",
        "order": "100",
        "trigger": "deal_created",
        "stage": "",
        "field_name": "",
        "delay_minutes": "0",
        "date_field": "",
        "offset_days": "0",
        **fields,
    }
    return {**data, **inline("actions", rows)}


def task_row(**fields: Any) -> dict[str, Any]:
    """A "create a task" row as the browser posts it (every select has a value)."""
    return {
        "type": "create_task",
        "title": "Call {client}",
        "kind": "call",
        "deadline": "minutes",
        "minutes": "15",
        "assignee": "owner",
        "priority": "2",
        **fields,
    }


def row_html(html: str, index: int) -> str:
    """The markup of action row ``index`` (its fieldset up to the next row or the end of the list)."""
    start = html.index(f'aria-labelledby="actions-{index}-heading"')
    following = html.find("data-action-row", start + 1)
    return html[start : following if following != -1 else None]


def test_every_automation_screen_opens_for_an_administrator(admin):
    calendar = WorkCalendar.objects.get(is_default=True)
    queue = make_queue([UserFactory()])
    level = ServiceLevel.objects.first()
    assert level is not None
    rule = save_rule(actions=[{"type": "generate_document", "template": "Contract"}])
    for url in (
        reverse("admin:automation_workcalendar_changelist"),
        ADD_CALENDAR,
        reverse("admin:automation_workcalendar_change", args=[calendar.pk]),
        reverse("admin:automation_servicelevel_changelist"),
        reverse("admin:automation_servicelevel_change", args=[level.pk]),
        reverse("admin:automation_assignmentqueue_changelist"),
        reverse("admin:automation_assignmentqueue_change", args=[queue.pk]),
        reverse("admin:automation_rule_changelist"),
        ADD_RULE,
        reverse("admin:automation_rule_change", args=[rule.pk]),
    ):
        assert admin.get(url).status_code == 200, url


def test_a_calendar_with_a_lunch_break_a_holiday_and_a_team_is_saved(admin, world):
    data = calendar_form(
        hours=[
            {"weekday": "0", "start_time": "09:00", "end_time": "13:00"},
            {"weekday": "0", "start_time": "14:00", "end_time": "18:00"},
        ],
        holidays=[
            {"date": "2026-05-01", "name": "Labour day", "start_time": "", "end_time": ""},
            {"date": "2026-05-02", "name": "Worked", "is_working_day": "on", "start_time": "10:00", "end_time": "15:00"},
        ],
        team_links=[{"team": world.teams["south"].pk}],
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = WorkCalendar.objects.get(name="Kyiv office")
    assert calendar.hours.count() == 2
    assert calendar.holidays.count() == 2
    assert list(calendar.teams.all()) == [world.teams["south"]]
    assert not calendar.is_default


def test_overlapping_hours_on_one_day_are_a_form_error(admin):
    data = calendar_form(
        hours=[
            {"weekday": "2", "start_time": "09:00", "end_time": "13:00"},
            {"weekday": "2", "start_time": "12:00", "end_time": "18:00"},
        ]
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 200
    assert "Wednesday: 09:00–13:00 overlaps 12:00–18:00." in response.content.decode()
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_hours_ending_before_they_start_are_a_form_error(admin):
    response = admin.post(ADD_CALENDAR, calendar_form(hours=[{"weekday": "0", "start_time": "18:00", "end_time": "09:00"}]))
    assert response.status_code == 200
    assert "The end must be later than the start" in response.content.decode()


def test_a_working_day_without_hours_is_a_form_error(admin):
    data = calendar_form(
        holidays=[{"date": "2026-05-02", "name": "Worked", "is_working_day": "on", "start_time": "", "end_time": ""}]
    )
    response = admin.post(ADD_CALENDAR, data)
    assert response.status_code == 200
    assert "A working day needs its hours." in response.content.decode()


def test_an_invalid_time_zone_is_a_form_error(admin):
    response = admin.post(ADD_CALENDAR, {**calendar_form(), "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_a_team_already_on_another_calendar_is_a_form_error_naming_it(admin, world):
    moscow = make_calendar(name="Moscow office")
    CalendarTeam.objects.create(calendar=moscow, team=world.teams["south"])
    response = admin.post(ADD_CALENDAR, calendar_form(team_links=[{"team": world.teams["south"].pk}]))
    assert response.status_code == 200
    assert "The team “South” already follows the calendar “Moscow office”." in response.content.decode()
    assert not WorkCalendar.objects.filter(name="Kyiv office").exists()


def test_the_make_default_action_moves_the_default(admin):
    previous = WorkCalendar.objects.get(is_default=True)
    kyiv = make_calendar(name="Kyiv")
    response = admin.post(
        reverse("admin:automation_workcalendar_changelist"), {"action": "make_default", "_selected_action": [kyiv.pk]}
    )
    assert response.status_code == 302
    assert list(WorkCalendar.objects.filter(is_default=True)) == [kyiv]
    assert previous.pk != kyiv.pk


def test_the_default_calendar_cannot_be_deleted(admin):
    default = WorkCalendar.objects.get(is_default=True)
    assert admin.post(reverse("admin:automation_workcalendar_delete", args=[default.pk]), {"post": "yes"}).status_code == 403
    assert WorkCalendar.objects.filter(pk=default.pk).exists()


def test_deleting_calendars_in_bulk_cannot_take_the_default_with_them(admin):
    default = WorkCalendar.objects.get(is_default=True)
    other = make_calendar(name="Kyiv")
    admin.post(
        reverse("admin:automation_workcalendar_changelist"),
        {"action": "delete_selected", "_selected_action": [default.pk, other.pk], "post": "yes"},
    )
    assert set(WorkCalendar.objects.values_list("name", flat=True)) == {default.name, "Kyiv"}


def test_a_second_service_level_for_a_category_and_a_zero_time_are_form_errors(admin):
    vip = ClientCategory.objects.get(code="vip")
    response = admin.post(
        reverse("admin:automation_servicelevel_add"),
        {"category": vip.pk, "response_minutes": "0", "callback_minutes": "60", "offer_en": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This category already has a service level." in html
    assert "Ensure this value is greater than or equal to 1." in html


def test_a_queue_is_configured_with_its_members_and_a_person_appears_once(admin, world):
    anna, boris = world.users["mgr_north1"], world.users["mgr_south"]
    base = {"name": "Web leads", "strategy": "least_loaded", "team": world.teams["sales"].pk}
    duplicate = inline(
        "members",
        [{"position": "1", "user": anna.pk, "is_active": "on"}, {"position": "2", "user": anna.pk, "is_active": "on"}],
    )
    response = admin.post(reverse("admin:automation_assignmentqueue_add"), {**base, **duplicate})
    assert response.status_code == 200
    assert not AssignmentQueue.objects.filter(name="Web leads").exists()

    members = inline(
        "members",
        [{"position": "1", "user": anna.pk, "is_active": "on"}, {"position": "2", "user": boris.pk, "is_active": "on"}],
    )
    response = admin.post(reverse("admin:automation_assignmentqueue_add"), {**base, **members})
    assert response.status_code == 302, response.content.decode()[:3000]
    queue = AssignmentQueue.objects.get(name="Web leads")
    assert list(queue.members.values_list("user_id", flat=True)) == [anna.pk, boris.pk]


def test_automation_settings_are_for_administrators_only(world, client_for):
    response = client_for(world.users["head"]).get(reverse("admin:automation_workcalendar_changelist"))
    assert response.status_code == 302


# --- automation rules ---------------------------------------------------------------------------


def test_the_rule_form_offers_every_condition_action_and_choice_the_schema_knows():
    assert set(CONDITION_FIELDS) == set(CONDITIONS)
    assert set(CONDITION_FIELDS.values()) <= set(RuleForm.base_fields)
    assert set(PLAIN_PARAMETERS) == set(ACTION_CLEANERS)
    assert set(DEADLINES) == set(DEADLINE_FORMS)
    assert set(CHANGEABLE) == set(CHANGEABLE_FIELDS)
    assert all(ASSIGNEE_FORMS.match(f"{key}:1" if key in ("user", "queue") else key) for key in ASSIGNEES)
    assert all(RECIPIENT_FORMS.match(f"{key}:1" if key == "user" else key) for key in RECIPIENTS)


def test_a_rule_with_conditions_and_two_actions_is_created_from_the_add_form(admin, world):
    anna = world.users["mgr_north1"]
    sales = Pipeline.objects.get(code="sales")
    vip, a = ClientCategory.objects.get(code="vip"), ClientCategory.objects.get(code="a")
    data = rule_form(
        [
            task_row(
                title="Call {client} within 15 minutes",
                working_time="on",
                assignee="user",
                user=anna.pk,
                priority="3",
                ORDER="1",
            ),
            {"type": "notify", "recipient": "supervisor", "message": "New lead: {deal}, {amount}", "ORDER": "2"},
        ],
        condition_pipeline=[sales.pk],
        condition_client_category=[vip.pk, a.pk],
        condition_amount_min="100000",
    )
    response = admin.post(ADD_RULE, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    rule = Rule.objects.get(name="Big web leads")
    assert rule.conditions == {"pipeline": [sales.pk], "client_category": sorted([vip.pk, a.pk]), "amount_min": "100000"}
    assert rule.actions == [
        {
            "type": "create_task",
            "title": "Call {client} within 15 minutes",
            "description": "",
            "kind": "call",
            "deadline": "minutes",
            "minutes": 15,
            "working_time": True,
            "assignee": f"user:{anna.pk}",
            "priority": 3,
        },
        {"type": "notify", "to": "supervisor", "message": "New lead: {deal}, {amount}"},
    ]
    # The same as the schema makes of the JSON an administrator used to type.
    assert rule.actions == clean_actions(
        [
            {
                "type": "create_task",
                "title": "Call {client} within 15 minutes",
                "minutes": 15,
                "working_time": True,
                "assignee": f"user:{anna.pk}",
                "priority": 3,
            },
            {"type": "notify", "to": "supervisor", "message": "New lead: {deal}, {amount}"},
        ]
    )
    assert rule.created_by == world.users["admin"]


@pytest.fixture
def every_kind_of_rule(world):
    """A saved rule with every action type, a deactivated owner in its conditions and a webhook secret."""
    queue = make_queue([world.users["mgr_north1"], world.users["mgr_south"]], name="Web leads")
    gone = UserFactory(last_name="Departed", is_active=False)
    proposal = Stage.objects.get(pipeline__code="sales", code="proposal")
    return save_rule(
        name="Everything",
        trigger=Trigger.STAGE_ENTERED,
        stage=proposal,
        conditions={
            "stage": [proposal.pk],
            "owner": [gone.pk],
            "client_segment": [Segment.objects.get(code="dealer").pk],
            "amount_max": "500000.50",
            "task_kind": ["call", "meeting"],
        },
        actions=[
            {
                "type": "create_task",
                "title": "Call back {client}",
                "description": "From {rule}",
                "kind": "meeting",
                "deadline": "sla_callback",
                "working_time": True,
                "assignee": f"queue:{queue.pk}",
                "priority": 1,
            },
            {"type": "notify", "to": f"user:{world.users['head'].pk}", "message": "{deal} is due {due}"},
            {"type": "reassign", "queue": queue.pk},
            {"type": "change_field", "field": "probability", "value": 80},
            {"type": "move_stage", "stage": Stage.objects.get(pipeline__code="sales", code="negotiation").pk},
            {"type": "send_email", "to": "owner", "subject": "{deal}", "body": "Line one\nLine two"},
            {"type": "webhook", "url": "https://hooks.example.test/kartoteka", "secret": "s3cret-value"},
            {"type": "generate_document", "template": "Contract"},
        ],
    )


def test_a_saved_rule_shows_its_values_and_saving_it_unchanged_keeps_its_json(admin, world, every_kind_of_rule):
    rule = every_kind_of_rule
    conditions, actions = rule.conditions, rule.actions
    url = reverse("admin:automation_rule_change", args=[rule.pk])
    response = admin.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    values = form_values(html, "rule_form")
    assert values["condition_stage"] == [str(conditions["stage"][0])]
    assert values["condition_owner"] == [str(conditions["owner"][0])]  # deactivated, still offered: the rule names them
    assert values["condition_amount_max"] == ["500000.50"]
    assert values["condition_task_kind"] == ["call", "meeting"]
    assert values["actions-0-deadline"] == ["sla_callback"]
    assert values["actions-0-assignee"] == ["queue"]
    assert values["actions-0-queue"] == [str(actions[2]["queue"])]
    assert values["actions-1-user"] == [str(world.users["head"].pk)]
    assert values["actions-3-value"] == ["80"]
    assert values["actions-5-body"] == ["Line one\nLine two"]
    assert values["actions-6-url"] == ["https://hooks.example.test/kartoteka"]
    assert values["actions-6-secret"] == [""]
    assert "s3cret-value" not in html
    assert "saved — leave empty to keep it" in html
    assert "{due}: the deadline of the task an earlier action of this rule created" in html

    response = admin.post(url, values)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions == conditions
    assert rule.actions == actions


def test_actions_are_reordered_and_removed_by_their_position_and_remove_boxes(admin, every_kind_of_rule):
    rule = every_kind_of_rule
    url = reverse("admin:automation_rule_change", args=[rule.pk])
    values = form_values(admin.get(url).content.decode(), "rule_form")
    values["actions-7-ORDER"] = ["0"]  # the document first
    for index in range(1, 7):
        values[f"actions-{index}-DELETE"] = ["on"]
    response = admin.post(url, values)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert [action["type"] for action in rule.actions] == ["generate_document", "create_task"]


def test_wrong_action_rows_come_back_with_errors_naming_the_row_and_the_field(admin):
    data = rule_form(
        [
            task_row(assignee="user", user="999999"),
            task_row(minutes="600000"),
            task_row(title=""),
            {"type": "webhook", "url": "ftp://files.example.test", "secret": "x"},
        ]
    )
    response = admin.post(ADD_RULE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Action 1, User: Select a valid choice. 999999 is not one of the available choices." in html
    assert "Action 2, Minutes: Ensure this value is less than or equal to 527040." in html
    assert "Action 3, Task title: This field is required." in html
    assert "Action 4: A webhook needs an http(s) address." in html  # the schema's own words
    assert "Select a valid choice" in row_html(html, 0)
    assert "less than or equal to 527040" in row_html(html, 1)
    assert "This field is required." in row_html(html, 2)
    assert not Rule.objects.filter(name="Big web leads").exists()


def test_condition_and_rule_errors_keep_the_schemas_messages(admin):
    response = admin.post(ADD_RULE, rule_form([task_row()], condition_amount_min="-5"))
    assert response.status_code == 200
    assert "“amount at least” needs an amount." in response.content.decode()

    category_change = rule_form([task_row()], trigger="client_class_changed", condition_amount_max="10")
    response = admin.post(ADD_RULE, category_change)
    assert response.status_code == 200
    assert "A client&#x27;s category change has no deal: remove the deal conditions." in response.content.decode()

    response = admin.post(ADD_RULE, rule_form([]))
    assert response.status_code == 200
    assert "A rule needs at least one action." in response.content.decode()
    assert not Rule.objects.filter(name="Big web leads").exists()


def test_a_rule_naming_a_deleted_row_says_the_fields_cannot_show_all_of_it(admin):
    rule = save_rule(conditions={"stage": [987654]}, actions=[{"type": "generate_document", "template": "Contract"}])
    html = admin.get(reverse("admin:automation_rule_change", args=[rule.pk])).content.decode()
    assert "The fields above cannot show all of the saved rule" in html
    assert "987654" in html  # in the saved JSON


def test_details_the_trigger_does_not_use_are_cleared_on_saving(admin):
    response = admin.post(ADD_RULE, rule_form([task_row()], delay_minutes="30", working_time="on", field_name="title"))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = Rule.objects.get(name="Big web leads")
    assert (rule.delay_minutes, rule.working_time, rule.field_name) == (0, False, "")
