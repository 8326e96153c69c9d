"""Figures of the dashboard as its reader's language writes them (Vietnamese 1.234,5, English
1,234.5), through Django's localisation: the separators are the locale's formats
(config/formats for Vietnamese's grouping), the grouping forced, as USE_THOUSAND_SEPARATOR is off
for the rest of the site. A figure there is none of reads "—"."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reporting.rules.figures import percent_shown

register = template.Library()

NONE = "—"


@register.filter
def figure(value, places: int = 0) -> str:
    """The value grouped by thousands with `places` decimals, rounded half to even."""
    if value is None:
        return NONE
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places))
    return number_format(rounded, places, force_grouping=True)


@register.filter
def percent(value) -> str:
    """Truncated, to the decimals that matter (reporting.rules.figures.percent_shown): 79.99 shows
    "79,9 %", never the "80,0 %" of a threshold it has not reached; 0.04 shows "0,04 %", not "0,0 %"."""
    if value is None or value == "":
        return NONE
    shown = percent_shown(value)
    return f"{figure(shown, -shown.as_tuple().exponent)} %"


@register.filter
def moment(value) -> str:
    """When, in local time: "HH:MM dd/mm/yyyy"."""
    if value is None:
        return _("chưa có")
    local = timezone.localtime(value)
    return f"{local:%H:%M} {local:%d/%m/%Y}"
