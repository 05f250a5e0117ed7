"""Building blocks shared by every context: timestamps and names translated per language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Lower, Substr
from django.utils import translation
from django.utils.translation import gettext_lazy as _

NAME_LANGUAGES = ("en", "ru", "uk", "ro")


def localized(names: Mapping[str, Any]) -> str:
    """The ``name_<language>`` of the current language, falling back to English, then Russian.

    Shared by reference lists (model fields), rows read as plain values, and custom field options (JSON).
    """
    language = (translation.get_language() or "en").split("-")[0]
    return str(names.get(f"name_{language}") or names.get("name_en") or names.get("name_ru") or "")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class LocalizedNameModel(models.Model):
    """A name per interface language; empty translations fall back to English, then Russian.

    Reference lists and roles use it so administrators can rename entries in every language
    without a programmer (DESIGN §5.8).
    """

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, blank=True)
    name_ro = models.CharField(_("name (Romanian)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized({f"name_{code}": getattr(self, f"name_{code}") for code in NAME_LANGUAGES})


class ReferenceList(LocalizedNameModel):
    """An administrator-editable list entry (segment, category, source…) — DESIGN §5.8.

    ``code`` is stable for data migrations, imports and the API; names are what people read.
    Deactivated entries stay on the rows that use them but are no longer offered.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name_en"]


class TerritoryKind(models.TextChoices):
    COUNTRY = "country", _("country")
    REGION = "region", _("region")
    CITY = "city", _("city")


class Territory(LocalizedNameModel):
    """Country → region → city, as sales divides the map. ``path`` ("000001.000012.") finds subtrees."""

    PATH_STEP = 7

    kind = models.CharField(_("kind"), max_length=10, choices=TerritoryKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    country_code = models.CharField(
        _("country code"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code of the country it lies in.")
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [models.UniqueConstraint(fields=["parent", "name_en"], name="territory_unique_name_in_parent")]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.parent_id is not None and not self.country_code:
            self.country_code = Territory.objects.only("country_code").get(pk=self.parent_id).country_code
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        path, depth = self.computed_path()
        if (path, depth) != (self.path, self.depth):
            # Moving a node moves its subtree: rewrite descendants' prefixes.
            old = self.path
            Territory.objects.filter(pk=self.pk).update(path=path, depth=depth)
            if old:
                # One statement for the whole subtree: swap the old prefix for the new one.
                Territory.objects.filter(path__startswith=old).exclude(pk=self.pk).update(
                    path=Concat(Value(path), Substr("path", len(old) + 1), output_field=models.CharField()),
                    depth=F("depth") + (depth - self.depth),
                )
            self.path, self.depth = path, depth

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.path:
            parent_path = Territory.objects.filter(pk=self.parent_id).values_list("path", flat=True).first() or ""
            if parent_path.startswith(self.path):
                raise ValidationError({"parent": _("A territory cannot be placed inside itself.")})

    def computed_path(self) -> tuple[str, int]:
        own = f"{self.pk:0{self.PATH_STEP - 1}d}."
        if self.parent_id is None:
            return own, 0
        parent = Territory.objects.only("path", "depth").get(pk=self.parent_id)
        if parent.path.startswith(self.path) and self.path:
            raise ValueError("A territory cannot be moved under itself.")
        return parent.path + own, parent.depth + 1

    @property
    def label(self) -> str:
        return "· " * self.depth + self.name


class Tag(models.Model):
    """A free label on clients (later deals and other records); names are unique case-insensitively."""

    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=20, default="secondary")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_unique_lower_name")]

    def __str__(self) -> str:
        return self.name


class SavedView(TimeStampedModel):
    """A user's named list state (search, filters, sort, columns) for one list screen."""

    user = models.ForeignKey("users.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_views")
    list_key = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict)
    is_default = models.BooleanField(_("open by default"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "list_key", "name"], name="saved_view_unique_name")]
        indexes = [models.Index(fields=["user", "list_key"], name="saved_view_user_list_idx")]

    def __str__(self) -> str:
        return self.name
