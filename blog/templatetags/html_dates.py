from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value):
    """`2026-11-25T16:59:11+01:00`: seconds, no fraction (the W3C checker rejects `|date:'c'`'s
    microseconds), in the time zone the page shows its dates in."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
