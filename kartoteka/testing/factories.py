"""factory_boy factories for users and teams; later apps add their own next to their tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from kartoteka.users import services
from kartoteka.users.defaults import install_default_roles
from kartoteka.users.models import Role, RoleScope, Team, TeamKind, User

PASSWORD = "correct-horse-battery"  # noqa: S105 - test users only
_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every test user.
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


class TeamFactory(factory.Factory[Team]):
    """Teams are created through the service, which maintains the tree path."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = TeamKind.GROUP
    parent = None

    @classmethod
    def _create(cls, model_class: type[Team], *args: Any, **kwargs: Any) -> Team:
        return services.team_create(actor=None, **kwargs)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    last_name = factory.Faker("last_name", locale="ru_RU")
    first_name = factory.Faker("first_name", locale="ru_RU")
    password = factory.LazyFunction(_password_hash)
    language = "en"
    time_zone = "Europe/Moscow"

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            codes = [extracted] if isinstance(extracted, str) else list(extracted)
            if Role.objects.filter(code__in=codes).count() != len(set(codes)):
                # A transactional test flushed the rows the data migration had installed.
                install_default_roles(Role, RoleScope)
            roles = list(Role.objects.filter(code__in=codes))
            if len(roles) != len(set(codes)):
                raise LookupError(f"Unknown role codes: {codes}")
            services.user_set_roles(actor=None, user=self, roles=roles)  # type: ignore[arg-type]


def ensure_reference_data() -> None:
    """Reinstall the reference lists the data migrations installed, if a transactional test flushed them."""
    from django.apps import apps

    from kartoteka.activities.defaults import install_activity_results
    from kartoteka.activities.models import ActivityResult
    from kartoteka.clients.defaults import install_client_references, install_contact_references, install_territories
    from kartoteka.clients.models import ClientCategory

    if not ClientCategory.objects.exists():
        install_client_references(apps)
        install_contact_references(apps)
        install_territories(apps)
    if not ActivityResult.objects.exists():
        install_activity_results(apps)
    from kartoteka.deals.defaults import install_deal_defaults
    from kartoteka.deals.models import Pipeline

    if not Pipeline.objects.exists():
        install_deal_defaults(apps)
    from kartoteka.automation.defaults import install_automation_defaults
    from kartoteka.automation.models import WorkCalendar

    if not WorkCalendar.objects.exists():
        install_automation_defaults(apps)


def reference(model: Any, code: str) -> Any:
    """A reference list entry by code (``reference(ClientCategory, "vip")``), reinstalling defaults if flushed."""
    ensure_reference_data()
    return model.objects.get(code=code)


class ClientFactory(factory.Factory):  # type: ignore[type-arg]
    """Clients are created through the service (requisites row, tax id, history, events).

    Pass ``responsible=`` (a User) and optionally ``team=``; ``actor`` defaults to the system.
    """

    class Meta:
        model = "clients.Client"

    name = factory.Faker("company", locale="ru_RU")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from kartoteka.clients import services as client_services

        ensure_reference_data()
        actor = kwargs.pop("actor", None)
        responsible = kwargs.get("responsible")
        if responsible is not None and "team" not in kwargs:
            kwargs["team"] = responsible.team
        return client_services.client_create(actor=actor, **kwargs)


class ContactFactory(factory.Factory):  # type: ignore[type-arg]
    class Meta:
        model = "contacts.Contact"

    last_name = factory.Faker("last_name", locale="ru_RU")
    first_name = factory.Faker("first_name", locale="ru_RU")
    position = factory.Faker("job", locale="ru_RU")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from kartoteka.contacts import services as contact_services

        ensure_reference_data()
        actor = kwargs.pop("actor", None)
        return contact_services.contact_create(actor=actor, **kwargs)


class ActivityFactory(factory.Factory):  # type: ignore[type-arg]
    """Activities are logged through the service. Pass ``client=``; ``actor`` defaults to the system.

    Any other keyword is an activity field (``kind``, ``occurred_at``, ``result``, ``summary``…).
    """

    class Meta:
        model = "activities.Activity"

    kind = "call"
    summary = factory.Faker("sentence", locale="ru_RU")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from kartoteka.activities import services as activity_services

        ensure_reference_data()
        actor = kwargs.pop("actor", None)
        client = kwargs.pop("client")
        author = kwargs.pop("author", None)
        activity = activity_services.activity_log(actor=actor, client=client, values=kwargs).activity
        if author is not None:  # the system logs it, but on someone's behalf
            type(activity).objects.filter(pk=activity.pk).update(author=author)
            activity.author = author
        return activity


class TaskFactory(factory.Factory):  # type: ignore[type-arg]
    """Tasks are planned through the service. Pass ``assignee=`` (and usually ``client=``, ``due_at=``).

    ``actor`` defaults to the system; ``due_at`` defaults to tomorrow at 10:00 in the current time zone.
    """

    class Meta:
        model = "activities.Task"

    title = factory.Faker("sentence", nb_words=4, locale="ru_RU")
    kind = "call"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        import datetime

        from django.utils import timezone

        from kartoteka.activities import services as activity_services

        ensure_reference_data()
        actor = kwargs.pop("actor", None)
        if "due_at" not in kwargs:
            tomorrow = timezone.localtime() + datetime.timedelta(days=1)
            kwargs["due_at"] = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
        return activity_services.task_create(actor=actor, values=kwargs)


class DealFactory(factory.Factory):  # type: ignore[type-arg]
    """Deals are opened through the service. Pass ``client=``; ``owner`` defaults to the client's responsible.

    ``actor`` defaults to the system; ``stage=`` or ``pipeline=`` place it; other keywords are deal fields.
    """

    class Meta:
        model = "deals.Deal"

    title = factory.Faker("catch_phrase")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from kartoteka.deals import services as deal_services

        ensure_reference_data()
        actor = kwargs.pop("actor", None)
        client = kwargs.pop("client")
        stage = kwargs.pop("stage", None)
        pipeline = kwargs.pop("pipeline", None)
        now = kwargs.pop("now", None)
        return deal_services.deal_create(actor=actor, client=client, values=kwargs, stage=stage, pipeline=pipeline, now=now)
