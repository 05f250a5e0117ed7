"""Fields administrators add to a card without a programmer (seed 000, item 6).

A definition lives here; values live in the owner's ``custom_fields`` JSON under the field's
``code``, so they travel with the row into history, exports and the API.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import NAME_LANGUAGES, LocalizedNameModel, localized

# Option values are stable codes (the API and exports carry them); lower case keeps them unambiguous
# where a database compares case-insensitively (SQLite's LIKE), and no quotes keep JSON text searchable.
OPTION_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
OPTION_LANGUAGES = NAME_LANGUAGES


class FieldKind(models.TextChoices):
    TEXT = "text", _("text")
    NUMBER = "number", _("number")
    MONEY = "money", _("money")
    DATE = "date", _("date")
    CHOICE = "choice", _("choice")
    MULTI_CHOICE = "multi_choice", _("multiple choice")
    BOOLEAN = "boolean", _("yes/no")
    USER = "user", _("user")
    LINK = "link", _("link")


class FieldEntity(models.TextChoices):
    CLIENT = "client", _("client")
    CONTACT = "contact", _("contact")


class CardSection(models.TextChoices):
    GENERAL = "general", _("General")
    CATEGORISATION = "categorisation", _("Categorisation")
    REQUISITES = "requisites", _("Requisites")
    RELATIONSHIP = "relationship", _("Relationship")
    ADDITIONAL = "additional", _("Additional")


class CustomField(LocalizedNameModel):
    entity = models.CharField(_("card"), max_length=20, choices=FieldEntity.choices, default=FieldEntity.CLIENT)
    code = models.CharField(
        _("code"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Latin lower-case letters, digits and _; starts with a letter."))],
        help_text=_("The key in exports and the API; cannot be changed later."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FieldKind.choices)
    section = models.CharField(_("section"), max_length=20, choices=CardSection.choices, default=CardSection.ADDITIONAL)
    # For choice fields: [{"value": "gold", "name_en": "Gold", "name_ru": "Золото"}, …]
    choices = models.JSONField(_("options"), default=list, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("For money fields: an ISO 4217 code such as RUB, EUR, UAH.")
    )
    min_value = models.DecimalField(
        _("minimum"), max_digits=24, decimal_places=6, null=True, blank=True, help_text=_("For number and money fields.")
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=24, decimal_places=6, null=True, blank=True, help_text=_("For number and money fields.")
    )
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("hint"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    show_in_list = models.BooleanField(_("column in the list"), default=False)

    class Meta:
        ordering = ["entity", "section", "order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["entity", "code"], name="custom_field_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The field's name in the current language (what forms, the card and error messages show)."""
        return self.name

    @property
    def has_options(self) -> bool:
        return self.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE)

    @property
    def is_numeric(self) -> bool:
        return self.kind in (FieldKind.NUMBER, FieldKind.MONEY)

    @property
    def option_values(self) -> list[str]:
        return [str(option.get("value", "")) for option in self.choices or [] if isinstance(option, dict)]

    def option_name(self, value: str) -> str:
        """An option's name in the current language, falling back to English, Russian, then the value itself."""
        for option in self.choices or []:
            if isinstance(option, dict) and option.get("value") == value:
                return localized(option) or value
        return value

    def option_pairs(self) -> list[tuple[str, str]]:
        """(value, name in the current language) for every option, in the administrator's order."""
        return [(value, self.option_name(value)) for value in self.option_values]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.has_options:
            problem = _options_problem(self.choices)
            if problem:
                errors["choices"] = problem
        elif self.choices:
            errors["choices"] = _("Options are only for choice and multiple-choice fields.")
        self.currency = (self.currency or "").strip().upper()
        if self.kind == FieldKind.MONEY:
            if not re.fullmatch(r"[A-Z]{3}", self.currency):
                errors["currency"] = _("Enter the three-letter ISO 4217 currency code, e.g. RUB.")
        elif self.currency:
            errors["currency"] = _("A currency is only for money fields.")
        if not self.is_numeric:
            for name in ("min_value", "max_value"):
                if getattr(self, name) is not None:
                    errors[name] = _("Limits are only for number and money fields.")
        elif self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The maximum must not be less than the minimum.")
        if errors:
            raise ValidationError(errors)


def _options_problem(choices: Any) -> str | None:
    """What is wrong with a list of options, or None. Options: [{"value": "gold", "name_en": "Gold", …}, …]."""
    if not isinstance(choices, list) or not choices:
        return str(_("Add at least one option."))
    seen: set[str] = set()
    for option in choices:
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            return str(_("Each option needs a value and names."))
        value = option["value"]
        if not OPTION_VALUE_RE.fullmatch(value):
            return str(
                _("Option value “%(value)s”: use lower-case Latin letters, digits, _ and -; start with a letter or digit.")
                % {"value": value}
            )
        if value in seen:
            return str(_("Option value “%(value)s” appears twice.") % {"value": value})
        seen.add(value)
        if not any(str(option.get(f"name_{language}") or "").strip() for language in OPTION_LANGUAGES):
            return str(_("Option “%(value)s” needs a name.") % {"value": value})
    return None
