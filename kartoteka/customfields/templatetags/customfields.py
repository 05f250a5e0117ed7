"""Template tags that render custom fields the same way on every form and card.

{% load customfields %}
{% custom_form_fields form %}                      {# every cf_ field of the form #}
{% custom_card_values client "client" "general" %}  {# a <dl> of the section's values #}
"""

from __future__ import annotations

from typing import Any

from django import forms, template

from kartoteka.customfields.forms import PREFIX
from kartoteka.customfields.values import card_values

register = template.Library()


@register.inclusion_tag("customfields/form_fields.html")
def custom_form_fields(form: forms.BaseForm, names: list[str] | None = None) -> dict[str, Any]:
    rows = []
    for name in names or [name for name in form.fields if name.startswith(PREFIX)]:
        bound = form[name]
        css = bound.field.widget.attrs.get("class", "")
        if bound.errors and bound.widget_type != "checkboxselectmultiple":
            css = f"{css} is-invalid".strip()
        rows.append({"field": bound, "widget": bound.as_widget(attrs={"class": css} if css else None)})
    return {"rows": rows}


@register.inclusion_tag("customfields/card_values.html")
def custom_card_values(obj: Any, entity: str, section: str | None = None, include_empty: bool = True) -> dict[str, Any]:
    return {"rows": card_values(obj, entity, section, include_empty=include_empty)}
