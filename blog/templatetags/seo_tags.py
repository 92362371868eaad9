from django import template
from django.urls import reverse

from blog import seo

register = template.Library()


@register.simple_tag
def absolute_url(view_name, *args):
    """{% absolute_url "blog:feed_rss" %}: a route's address on SITE_URL."""
    return seo.absolute_url(reverse(view_name, args=args))


@register.simple_tag
def canonical_url(request):
    """This page's address on SITE_URL; of the query string only ?page= is kept (not page 1)."""
    if not request:
        return seo.absolute_url("/")
    url = seo.absolute_url(request.path)
    page = request.GET.get("page", "")
    if page.isdigit() and page != "1":
        url += f"?page={page}"
    return url


# {{ post.cover_image.url|absolute }}: a path or media URL on SITE_URL.
register.filter("absolute", seo.absolute_url)


@register.simple_tag
def post_ld_json(post):
    return seo.ld_json_script(seo.post_structured_data(post))


# {{ post.author|public_name }}: the writer's name as the public sees it.
register.filter("public_name", seo.author_name)
