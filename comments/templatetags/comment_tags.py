from django import template

from comments import section

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post):
    """The comment area under a post: the shared threads plus this visitor's own part.

    The logic lives in comments.section; this tag only joins the two parts. A page showing the
    visitor's own things is flagged for core.middleware, which keeps it out of shared caches.
    """
    request = context["request"]
    comments = section.comment_section(request=request, post=post, form=context.get("comment_form"))
    if comments.visitor.is_personal:
        request.is_personalised = True
    if comments.closes_at is not None and not comments.closed:
        # The page changes when the post closes by age: a cached copy must not outlive that.
        request.page_cache_expires = comments.closes_at
    return {
        "post": post,
        "threads_html": comments.threads_html,
        "closed": comments.closed,
        "visitor": comments.visitor,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def comment_form(form, csrf_token):
    """The comment form (crispy), a blank one from a rendered copy: see section.render_form."""
    return section.render_form(form, csrf_token)
