from django import template

register = template.Library()


@register.filter
def without_tag(messages, tag: str) -> list:
    """The flash messages not tagged `tag`: those are shown elsewhere on the page."""
    if not messages:  # len() leaves the storage unmarked; iterating marks the messages shown
        return []
    return [message for message in messages if tag not in message.tags.split()]
