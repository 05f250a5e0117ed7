"""Building blocks shared by every context: timestamps and names translated per language."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


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
        language = (translation.get_language() or "en").split("-")[0]
        localized = getattr(self, f"name_{language}", "") if language in {"en", "ru", "uk", "ro"} else ""
        return localized or self.name_en or self.name_ru
