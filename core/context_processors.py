from django.conf import settings
from django.utils.functional import SimpleLazyObject

from blog.site import shared_parts, site_name


def site(request):
    """The site's settings, navigation, months and tags (one fragment, no query once cached)
    and its public address (absolute links), for the base template. Lazy, and read at most once
    a request: a page that shows none of them (the 500 and 503 pages, rendered when the
    database may be down) reads nothing."""
    parts = SimpleLazyObject(shared_parts)
    return {
        "SITE_NAME": SimpleLazyObject(site_name),
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "site": parts,
    }
