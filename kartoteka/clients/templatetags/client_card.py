"""Template helpers of the client card.

``{% panelcontext item %}…{% endpanelcontext %}`` puts a panel's own context (what its registered
``context`` function returned) on top of the card's, so a panel template written by another app is
included with ``{% include item.template %}`` and sees ``client``, ``can_change``, ``user``,
``request`` and its own variables, without the card knowing their names.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.template.base import FilterExpression, NodeList, Parser, Token

register = template.Library()


class PanelContextNode(template.Node):
    def __init__(self, item: FilterExpression, nodelist: NodeList) -> None:
        self.item = item
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        item: Any = self.item.resolve(context)
        with context.push(**(getattr(item, "context", None) or {})):
            return self.nodelist.render(context)


@register.tag
def panelcontext(parser: Parser, token: Token) -> PanelContextNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% panelcontext item %} takes one argument: the panel being rendered.")
    nodelist = parser.parse(("endpanelcontext",))
    parser.delete_first_token()
    return PanelContextNode(parser.compile_filter(bits[1]), nodelist)


@register.filter
def field_widget(field: BoundField) -> str:
    """The field's widget with its error state: ``is-invalid`` and a link to the message under it."""
    attrs: dict[str, str | bool] = {}
    css = field.field.widget.attrs.get("class", "")
    if field.errors:
        attrs["class"] = f"{css} is-invalid".strip()
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def field_width(field: BoundField) -> str:
    """Grid classes for a field in a card form: long text and option sets take the whole row."""
    if field.widget_type in ("textarea", "checkboxselectmultiple", "radioselect"):
        return "col-12"
    return "col-sm-6 col-lg-4"
