"""The task screens: the list, the form, the detail page, and POST endpoints other screens reuse.

Visibility follows :mod:`kartoteka.activities.access_rules`: a task is its assignee's and creator's
even on a client they cannot see. Such a viewer sees the client's name as text (no link to the card),
no contact person, and completes without logging an activity on a card they cannot change.

The POST endpoints ``task_complete``, ``task_reschedule`` and ``task_cancel`` are shared with My day,
the calendar and the card: their fields are stable and documented in each view's docstring. With
htmx they answer with the updated row (``view=row``, the default), the card panel's item
(``view=panel``) or an empty body (``view=none``), always with ``HX-Trigger: tasks-changed``;
without htmx they redirect to ``next`` (a local path) or the task.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kartoteka.activities import selectors, services
from kartoteka.activities.forms_tasks import CompleteForm, TaskForm, apply_service_errors, parse_due
from kartoteka.activities.models import Task, TaskKind, TaskPriority, TaskStatus
from kartoteka.clients import selectors as client_selectors
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact
from kartoteka.core.errors import DomainError
from kartoteka.core.lists import Column, Filter, FilterKind, ListSpec, Params, list_context, read_params
from kartoteka.search.queries import filter_clients
from kartoteka.users import access
from kartoteka.users.models import User

if TYPE_CHECKING:
    from kartoteka.core.lists import ListPage

LOOKUP_MATCHES = 20
STATUS_ALL = "all"


# --- What a viewer may do with a task (no queries: the task's client is loaded) -------------------


def decorate(user: Any, tasks: list[Task], *, now: datetime.datetime | None = None) -> list[Task]:
    """Mark each task with what the viewer may see and do, for the row and panel templates."""
    now = now or timezone.now()
    for task in tasks:
        client = task.client
        task.client_visible = client is not None and access.can(user, "view", client)  # type: ignore[attr-defined]
        task.can_change = task.is_open and access.can(user, "change", task)  # type: ignore[attr-defined]
        task.overdue = task.is_open and task.due_at < now  # type: ignore[attr-defined]
    return tasks


def can_log(user: Any, task: Task) -> bool:
    """Completing a planned contact may log the activity only on a card the viewer may change."""
    return task.client is not None and task.kind != TaskKind.TODO and access.can(user, "change", task.client)


# --- The list --------------------------------------------------------------------------------------


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _due_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    now = timezone.now()
    today = timezone.localdate()
    if values[0] == "overdue":
        return queryset.filter(status=TaskStatus.OPEN, due_at__lt=now)
    if values[0] == "today":
        return queryset.filter(
            due_at__gte=_local_day_start(today), due_at__lt=_local_day_start(today + datetime.timedelta(days=1))
        )
    monday = today - datetime.timedelta(days=today.weekday())
    return queryset.filter(due_at__gte=_local_day_start(monday), due_at__lt=_local_day_start(monday + datetime.timedelta(days=7)))


def _status_filter(queryset: models.QuerySet[Any], values: list[str], params: Params) -> models.QuerySet[Any]:
    return queryset if values[0] == STATUS_ALL else queryset.filter(status=values[0])


def _resolve_people(user: Any, raw: list[str]) -> list[tuple[str, str]]:
    return [(str(person.pk), client_selectors.person_label(person)) for person in client_selectors.resolve_people(user, raw)]


def _resolve_clients(user: Any, raw: list[str]) -> list[tuple[str, str]]:
    ids = [int(value) for value in raw if value.isdigit()]
    if not ids:
        return []
    return [(str(pk), name) for pk, name in access.visible(user, Client).filter(pk__in=ids).values_list("pk", "name")]


def _client_cell(task: Task) -> str:
    return task.client.name if task.client is not None else ""


def _assignee_cell(task: Task) -> str:
    return task.assignee.get_short_name()


COLUMNS = [
    Column("due", gettext_lazy("Due"), lambda t: t.due_at, sort="due_at", required=True),
    Column("title", gettext_lazy("Task"), lambda t: t.title, sort="title", link=True),
    Column("kind", gettext_lazy("Kind"), lambda t: t.get_kind_display()),
    Column("client", gettext_lazy("Client"), _client_cell, sort="client__name"),
    Column("contact", gettext_lazy("Contact person"), lambda t: t.contact),
    Column("assignee", gettext_lazy("Assignee"), _assignee_cell, sort=("assignee__last_name", "assignee__first_name")),
    Column("priority", gettext_lazy("Priority"), lambda t: t.get_priority_display(), sort="priority"),
]


def task_list_spec() -> ListSpec:
    return ListSpec(
        columns=COLUMNS,
        default_sort="due",
        search_fields=("title", "client__name"),
        search_placeholder=gettext_lazy("Title or client"),
        filters=[
            Filter(
                "status",
                gettext_lazy("Status"),
                choices=lambda user: [*TaskStatus.choices, (STATUS_ALL, gettext_lazy("any status"))],
                apply=_status_filter,
            ),
            Filter(
                "due",
                gettext_lazy("Due"),
                choices=lambda user: [
                    ("overdue", gettext_lazy("overdue")),
                    ("today", gettext_lazy("today")),
                    ("week", gettext_lazy("this week")),
                ],
                apply=_due_filter,
            ),
            Filter("kind", gettext_lazy("Kind"), "kind", choices=lambda user: TaskKind.choices, kind=FilterKind.MULTI),
            Filter(
                "priority",
                gettext_lazy("Priority"),
                "priority",
                choices=lambda user: [(str(value), label) for value, label in TaskPriority.choices],
            ),
            Filter(
                "assignee",
                gettext_lazy("Assignee"),
                "assignee_id",
                kind=FilterKind.LOOKUP,
                resolve=_resolve_people,
                lookup_url=reverse("activities:task_people") + "?field=assignee",
            ),
            Filter(
                "client",
                gettext_lazy("Client"),
                "client_id",
                kind=FilterKind.LOOKUP,
                resolve=_resolve_clients,
                lookup_url=reverse("activities:task_clients") + "?field=client",
            ),
        ],
        page_size=50,
        row_url=lambda task: reverse("activities:task", args=[task.pk]),
        empty_message=gettext_lazy("No tasks match the search and filters."),
        empty_all_message=gettext_lazy("No tasks yet. Plan a call or a meeting with a client."),
        empty_all_url=reverse("activities:task_new"),
        empty_all_action=gettext_lazy("Plan a task"),
        layout="panel",
    )


def tasks_for_list(user: Any) -> models.QuerySet[Task]:
    """Every task the viewer sees, with what a row shows joined (one query per page)."""
    return selectors.visible_tasks(user).select_related("client", "contact", "assignee")


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """``/work/tasks/``: opens on the open tasks; ``?reset=1`` or ``status=all`` shows every status."""
    if not request.GET:
        return redirect(f"{request.path}?status=open")
    spec = task_list_spec()
    params = read_params(request.GET, spec)
    page: ListPage = list_context(request, tasks_for_list(request.user), spec, params=params)
    decorate(request.user, [task for task, _cells in page.rows])
    # "Nothing yet" rather than "nothing matches" when only the default status narrows the list.
    narrowed = bool(page.query) or page.has_previous or any(chip.param != "status" for chip in page.chips)
    context = {"page": page, "narrowed": narrowed, "next_url": f"{request.path}?{page.querystring}"}
    template = "activities/tasks/list.html#results" if getattr(request, "htmx", False) else "activities/tasks/list.html"
    return render(request, template, context)


# --- Pickers ---------------------------------------------------------------------------------------


@login_required
def task_people(request: HttpRequest) -> HttpResponse:
    """Up to 20 people the viewer may see matching ``q``, as picker options named ``field``
    (``assignee`` checkboxes for the list filter; ``single=1`` radios of active people for forms)."""
    field = request.GET.get("field", "assignee")
    if field not in ("assignee", "to_user"):
        field = "assignee"
    single = request.GET.get("single") == "1"
    query = " ".join(request.GET.get("q", "").split())[:100]
    people = client_selectors.find_people(request.user, query, active_only=single)
    options = [(str(person.pk), client_selectors.person_label(person), person.email) for person in people]
    context = {"options": options, "input_name": field, "input_type": "radio" if single else "checkbox", "query": query}
    return render(request, "activities/tasks/options.html#people", context)


@login_required
def task_clients(request: HttpRequest) -> HttpResponse:
    """Up to 20 clients the viewer may see found by ``q`` (the global search's matching), as picker
    options named ``field``: checkboxes for the list filter, radios (``single=1``) for the task form."""
    field = "client"
    single = request.GET.get("single") == "1"
    query = " ".join(request.GET.get("q", "").split())[:200]
    clients: list[Client] = []
    if len(query) >= 2:
        clients = list(filter_clients(access.visible(request.user, Client), query).order_by("name", "pk")[:LOOKUP_MATCHES])
    context = {"clients": clients, "input_name": field, "input_type": "radio" if single else "checkbox", "query": query}
    return render(request, "activities/tasks/options.html#clients", context)


@login_required
def task_contacts(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the contact select for a client the viewer may see (``?client=<id>``)."""
    contacts: list[Contact] = []
    raw = request.GET.get("client", "")
    if raw.isdigit():
        contacts = list(access.visible(request.user, Contact).filter(client_id=int(raw)).order_by("last_name", "first_name"))
    return render(request, "activities/tasks/options.html#contacts", {"contacts": contacts, "chosen": ""})


# --- The form --------------------------------------------------------------------------------------


def _resolve_form_relations(
    request: HttpRequest, form: TaskForm, task: Task | None
) -> tuple[Client | None, Contact | None, User | None] | None:
    """The picked client, contact and assignee through the access policy; errors go onto the form."""
    data = form.cleaned_data
    user = request.user
    client: Client | None = None
    raw_client = (data.get("client") or "").strip()
    if raw_client:
        if task is not None and task.client_id is not None and raw_client == str(task.client_id):
            client = task.client  # unchanged, even when the viewer cannot see it
        else:
            client = access.visible(user, Client).filter(pk=int(raw_client)).first() if raw_client.isdigit() else None
            if client is None:
                form.add_error("client", _("Choose a client from the list."))
    contact: Contact | None = None
    raw_contact = (data.get("contact") or "").strip()
    if raw_contact and client is not None:
        if task is not None and raw_contact == str(task.contact_id) and client.pk == task.client_id:
            contact = task.contact
        elif raw_contact.isdigit():
            contact = access.visible(user, Contact).filter(pk=int(raw_contact), client=client).first()
            if contact is None:
                form.add_error("contact", _("This person is not a contact of this client."))
    assignee: User | None = None
    raw_assignee = (data.get("assignee") or "").strip()
    if raw_assignee:
        if task is not None and raw_assignee == str(task.assignee_id):
            assignee = task.assignee
        elif raw_assignee == str(user.pk):
            assignee = user  # type: ignore[assignment]
        else:
            matches = client_selectors.resolve_people(user, [raw_assignee], active_only=True)
            assignee = matches[0] if len(matches) == 1 else None
            if assignee is None:
                form.add_error("assignee", _("Choose a person from the list."))
    if form.errors:
        return None
    return client, contact, assignee


def _form_context(request: HttpRequest, form: TaskForm, task: Task | None) -> dict[str, Any]:
    """Labels of what the pickers hold (ids in the data): the chosen client, its contacts, the assignee."""
    value = form["client"].value() or ""
    client: Client | None = None
    client_locked = False
    if task is not None and task.client_id is not None and str(value) == str(task.client_id):
        client = task.client
        client_locked = not access.can(request.user, "view", task.client)  # type: ignore[arg-type]
    elif str(value).isdigit():
        client = access.visible(request.user, Client).filter(pk=int(value)).first()
    contacts: list[Contact] = []
    if client is not None and not client_locked:
        contacts = list(access.visible(request.user, Contact).filter(client=client).order_by("last_name", "first_name"))
    assignee_value = str(form["assignee"].value() or request.user.pk)
    if task is not None and assignee_value == str(task.assignee_id):
        assignee: Any = task.assignee
    elif assignee_value == str(request.user.pk):
        assignee = request.user
    else:
        found = client_selectors.resolve_people(request.user, [assignee_value]) if assignee_value.isdigit() else []
        assignee = found[0] if found else None
    return {
        "form": form,
        "task": task,
        "chosen_client": client,
        "client_locked": client_locked,
        "contacts": contacts,
        "chosen_contact": str(form["contact"].value() or ""),
        "chosen_assignee": assignee,
    }


def _save_task(request: HttpRequest, form: TaskForm, task: Task | None) -> Task | None:
    relations = _resolve_form_relations(request, form, task)
    if relations is None:
        return None
    client, contact, assignee = relations
    values = form.values(client=client, contact=contact, assignee=assignee)
    try:
        if task is None:
            return services.task_create(actor=request.user, values=values)
        if values.get("client") is not None and task.client_id == values["client"].pk:
            values.pop("client")  # unchanged: no need to be allowed to change that card
        return services.task_update(actor=request.user, task=task, changes=values)
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied:
        form.add_error("client", _("You may not plan work on this client."))
    except DomainError as error:
        form.add_error(None, error.message)
    return None


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    """Plan a task; ``?client=<id>`` prefills a client the viewer may see (the card's "+ plan")."""
    if request.method == "POST":
        form = TaskForm(request.POST)
        if form.is_valid():
            task = _save_task(request, form, None)
            if task is not None:
                messages.success(request, _("Task planned: %(title)s") % {"title": task.title})
                return redirect(_safe_next(request) or reverse("activities:task", args=[task.pk]))
    else:
        initial: dict[str, Any] = {"assignee": str(request.user.pk), "kind": TaskKind.CALL}
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        initial.update(due_date=tomorrow, due_time=datetime.time(10, 0))
        raw = request.GET.get("client", "")
        if raw.isdigit() and access.visible(request.user, Client).filter(pk=int(raw)).exists():
            initial["client"] = raw
        form = TaskForm(initial=initial)
    context = _form_context(request, form, None)
    context["next"] = _safe_next(request)
    return render(request, "activities/tasks/form.html", context)


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    if not task.is_open or not access.can(request.user, "change", task):
        messages.error(request, _("Only an open task you may change can be edited."))
        return redirect("activities:task", pk=task.pk)
    if request.method == "POST":
        form = TaskForm(request.POST, task=task)
        if form.is_valid():
            saved = _save_task(request, form, task)
            if saved is not None:
                messages.success(request, _("Task saved."))
                return redirect("activities:task", pk=saved.pk)
    else:
        form = TaskForm(initial=TaskForm.initial_for(task), task=task)
    return render(request, "activities/tasks/form.html", _form_context(request, form, task))


# --- The detail page -------------------------------------------------------------------------------


def _get_task(request: HttpRequest, pk: int) -> Task:
    queryset = selectors.visible_tasks(request.user).select_related(  # type: ignore[arg-type]
        "client", "contact", "assignee", "created_by", "completed_by", "previous", "deal"
    )
    return access.get_visible_or_404(request.user, queryset, pk=pk)


def _detail_context(request: HttpRequest, task: Task, complete_form: CompleteForm | None = None) -> dict[str, Any]:
    decorate(request.user, [task])
    following = selectors.visible_tasks(request.user).filter(previous=task).first()  # type: ignore[arg-type]
    previous = task.previous
    if previous is not None and not access.can(request.user, "view", previous):
        previous = None
    loggable = task.is_open and can_log(request.user, task)
    if complete_form is None:
        complete_form = CompleteForm(initial={"log": loggable and task.is_contact})
    deal = task.deal if task.deal_id is not None and access.can(request.user, "view", task.deal) else None  # type: ignore[arg-type]
    return {
        "task": task,
        "task_deal": deal,  # the deal it serves, linked when the viewer may open it
        "previous": previous,
        "following": following,
        "can_log": loggable,
        "can_reopen": not task.is_open and access.can(request.user, "change", task),
        "can_delete": access.can(request.user, "delete", task),
        "complete_form": complete_form,
    }


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``/work/tasks/<pk>/``: every field, the series around it and the actions the viewer may take."""
    task = _get_task(request, pk)
    return render(request, "activities/tasks/detail.html", _detail_context(request, task))


# --- Actions shared with other screens ----------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _answer(request: HttpRequest, task: Task, *, message: str = "", next_task: Task | None = None) -> HttpResponse:
    """htmx: the updated row / panel item with ``HX-Trigger: tasks-changed``; otherwise a redirect."""
    if getattr(request, "htmx", False):
        view = request.POST.get("view", "row")
        if view == "none":
            response = HttpResponse("")
        else:
            fresh = (
                selectors.visible_tasks(request.user)  # type: ignore[arg-type]
                .select_related("client", "contact", "assignee")
                .filter(pk=task.pk)
                .first()
            )
            task = fresh or task
            decorate(request.user, [task])
            template = "activities/tasks/panel.html#item" if view == "panel" else "activities/tasks/list.html#row"
            context = {"task": task, "next_task": next_task, "message": message, "next_url": _safe_next(request)}
            response = render(request, template, context)
        response["HX-Trigger"] = "tasks-changed"
        return response
    if message:
        messages.success(request, message)
    return redirect(_safe_next(request) or reverse("activities:task", args=[task.pk]))


def _refuse(request: HttpRequest, task: Task, text: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
    messages.error(request, text)
    return redirect(_safe_next(request) or reverse("activities:task", args=[task.pk]))


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: close the task as done.

    Fields: ``note`` (completion note); ``log=1`` to record the activity that fulfilled a planned
    contact, with ``result`` (an ActivityResult id), ``productive=1`` and ``summary`` — ignored when
    the viewer may not change the client; ``view`` (row / panel / none) and ``next`` as for every action.
    A recurring task's next occurrence is created and named in the answer.
    """
    task = _get_task(request, pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        if getattr(request, "htmx", False):
            return _refuse(request, task, _("Check the completion form."))
        return render(request, "activities/tasks/detail.html", _detail_context(request, task, form), status=400)
    log = form.log_values() if form.cleaned_data["log"] and can_log(request.user, task) else None
    try:
        done = services.task_complete(actor=request.user, task=task, note=form.cleaned_data["note"], log=log)
    except DomainError as error:
        return _refuse(request, task, error.message)
    except ValidationError as error:
        return _refuse(request, task, " ".join(error.messages))
    message = _("Done: %(title)s.") % {"title": task.title}
    if done.activity is not None:
        message += " " + _("Logged in the client's history.")
    if done.next_occurrence is not None:
        message += " " + _("Next occurrence: %(when)s.") % {
            "when": timezone.localtime(done.next_occurrence.due_at).strftime("%d.%m.%Y %H:%M")
        }
    return _answer(request, done.task, message=message, next_task=done.next_occurrence)


@login_required
@require_POST
def task_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: move the deadline (the reminder keeps its distance).

    Fields: ``due_at`` (ISO 8601 date-time; without an offset it is the viewer's local time) or
    ``date`` (YYYY-MM-DD) + ``time`` (HH:MM; empty = the end of that day); ``view`` and ``next``.
    """
    task = _get_task(request, pk)
    due_at = parse_due(request.POST)
    if due_at is None:
        return _refuse(request, task, _("Give the new date and time."))
    try:
        task = services.task_reschedule(actor=request.user, task=task, due_at=due_at)
    except DomainError as error:
        return _refuse(request, task, error.message)
    except ValidationError as error:
        return _refuse(request, task, " ".join(error.messages))
    except PermissionDenied:
        return _refuse(request, task, _("You may not change this task."))
    when = timezone.localtime(task.due_at).strftime("%d.%m.%Y %H:%M")
    return _answer(request, task, message=_("Moved to %(when)s.") % {"when": when})


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: cancel the task. Fields: ``note``; ``stop_series=1`` ends a recurring series (otherwise
    its next occurrence is planned); ``view`` and ``next``."""
    task = _get_task(request, pk)
    try:
        done = services.task_cancel(
            actor=request.user,
            task=task,
            note=request.POST.get("note", "")[:2000],
            stop_series=request.POST.get("stop_series") == "1",
        )
    except DomainError as error:
        return _refuse(request, task, error.message)
    except PermissionDenied:
        return _refuse(request, task, _("You may not change this task."))
    message = _("Cancelled: %(title)s.") % {"title": task.title}
    if done.next_occurrence is not None:
        message += " " + _("The series goes on: next on %(when)s.") % {
            "when": timezone.localtime(done.next_occurrence.due_at).strftime("%d.%m.%Y %H:%M")
        }
    return _answer(request, done.task, message=message, next_task=done.next_occurrence)


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    try:
        task = services.task_reopen(actor=request.user, task=task)
    except PermissionDenied:
        return _refuse(request, task, _("You may not change this task."))
    return _answer(request, task, message=_("The task is open again."))


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    try:
        services.task_delete(actor=request.user, task=task)
    except PermissionDenied:
        return _refuse(request, task, _("You may not delete this task."))
    messages.success(request, _("Task deleted: %(title)s.") % {"title": task.title})
    target = _safe_next(request)
    if target == reverse("activities:task", args=[pk]):
        target = ""
    return redirect(target or reverse("activities:tasks"))
