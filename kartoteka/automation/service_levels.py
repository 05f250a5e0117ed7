"""The service-level prompt a manager reads on the client card (seed 002, DESIGN §11).

"Class C: respond within 4 h; call back within 8 h; no on-site meetings; offer: …" — in the
language of whoever reads it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kartoteka.automation.models import ServiceLevel


def working_minutes_label(minutes: int) -> str:
    """90 → "1 h 30 min": short enough for the card's header strip."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": rest}


def service_level_prompt(level: ServiceLevel) -> str:
    terms = [
        _("respond within %(time)s") % {"time": working_minutes_label(level.response_minutes)},
        _("call back within %(time)s") % {"time": working_minutes_label(level.callback_minutes)},
        _("on-site meetings allowed") if level.onsite_meetings_allowed else _("no on-site meetings"),
    ]
    if offer := level.offer:
        terms.append(_("offer: %(offer)s") % {"offer": offer})
    text = _("Class %(category)s: %(terms)s") % {"category": level.category.name, "terms": "; ".join(terms)}
    if prompt := level.prompt:
        text = f"{text} — {prompt}"
    return text
