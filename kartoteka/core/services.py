"""Writes to the building blocks every context shares: users' saved list views, and the change helper services share.

A saved view belongs to one user and only that user sees or changes it; the views that manage
them fetch rows with ``SavedView.objects.filter(user=request.user)``, and these services check
ownership again, so a guessed id never reaches another person's view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from kartoteka.core.models import SavedView

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

MAX_SAVED_VIEWS = 50  # per user and list: a menu, not a database
MAX_PARAMS_SIZE = 4_000  # characters of JSON: a list state, never a payload


def apply_changes(obj: models.Model, allowed: Iterable[str], changes: Mapping[str, Any]) -> list[str]:
    """Set the ``allowed`` fields of ``obj`` that differ from ``changes``; returns the names of those that changed.

    Services share it: unknown names are a validation error, text is stripped, ``None`` in a text
    field is the empty string, and a model instance may stand for a foreign key.
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    changed = []
    for name, value in changes.items():
        field = obj._meta.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        current = getattr(obj, attname)
        new = value.pk if isinstance(value, models.Model) and attname.endswith("_id") else value
        if isinstance(field, models.CharField | models.TextField) and new is None:
            new = ""
        if isinstance(new, str):
            new = new.strip()
        if current != new:
            setattr(obj, attname, new)
            changed.append(name)
    return changed


def _owner(actor: User | AnonymousUser, view: SavedView) -> None:
    if not actor.is_authenticated or view.user_id != actor.pk:
        raise PermissionDenied("Saved views are changed by their owner only.")


def _clean_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(cleaned) > 100:
        raise ValidationError({"name": _("A name of at most 100 characters, please.")})
    return cleaned


def _clean_params(params: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    cleaned = {str(key): [str(value) for value in values] for key, values in params.items()}
    if len(repr(cleaned)) > MAX_PARAMS_SIZE:
        raise ValidationError({"params": _("This view has too many filters to save.")})
    return cleaned


def _unset_other_defaults(view: SavedView) -> None:
    SavedView.objects.filter(user_id=view.user_id, list_key=view.list_key, is_default=True).exclude(pk=view.pk).update(
        is_default=False
    )


@transaction.atomic
def saved_view_save(
    *,
    actor: User | AnonymousUser,
    list_key: str,
    name: str,
    params: Mapping[str, Sequence[str]],
    is_default: bool = False,
) -> SavedView:
    """Save the current list state under ``name``; an existing view of that name is overwritten."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to save views.")
    cleaned_name = _clean_name(name)
    view = SavedView.objects.select_for_update().filter(user_id=actor.pk, list_key=list_key, name=cleaned_name).first()
    if view is None:
        if SavedView.objects.filter(user_id=actor.pk, list_key=list_key).count() >= MAX_SAVED_VIEWS:
            raise ValidationError({"name": _("You have too many saved views here; delete some first.")})
        view = SavedView(user_id=actor.pk, list_key=list_key, name=cleaned_name)
    view.params = _clean_params(params)
    view.is_default = is_default or view.is_default
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:  # a second tab saved the same name at the same moment
        raise ValidationError({"name": _("A view with this name already exists.")}) from None
    if view.is_default:
        _unset_other_defaults(view)
    return view


@transaction.atomic
def saved_view_rename(*, actor: User | AnonymousUser, view: SavedView, name: str) -> SavedView:
    _owner(actor, view)
    cleaned_name = _clean_name(name)
    if cleaned_name == view.name:
        return view
    if SavedView.objects.filter(user_id=view.user_id, list_key=view.list_key, name=cleaned_name).exclude(pk=view.pk).exists():
        raise ValidationError({"name": _("A view with this name already exists.")})
    view.name = cleaned_name
    view.save(update_fields=["name", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, actor: User | AnonymousUser, view: SavedView) -> None:
    _owner(actor, view)
    view.delete()


@transaction.atomic
def saved_view_set_default(*, actor: User | AnonymousUser, view: SavedView, is_default: bool = True) -> SavedView:
    """Make ``view`` the one the list opens with (at most one per user and list), or stop that."""
    _owner(actor, view)
    view.is_default = is_default
    view.save(update_fields=["is_default", "updated_at"])
    if is_default:
        _unset_other_defaults(view)
    return view
