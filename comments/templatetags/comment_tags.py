from django import template

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post):
    """The comment area under a post: approved comments and the form to leave one."""
    return {"post": post, "request": context.get("request")}
