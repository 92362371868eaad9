from django import template

from comments.threads import tagged_messages

register = template.Library()


@register.filter
def without_tag(messages, tag: str) -> list:
    """The flash messages not tagged `tag`: those are shown elsewhere on the page."""
    return tagged_messages(messages, tag, tagged=False)
