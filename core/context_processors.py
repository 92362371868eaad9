from django.conf import settings
from django.utils.functional import SimpleLazyObject, lazy

from blog.site import shared_parts, site_name


def site(request):
    """The site's settings, navigation, months and tags (one fragment, no query once cached)
    and its public address (absolute links), for the base template. Lazy: a page that shows
    none of them (the 500 and 503 pages, rendered when the database may be down) reads nothing."""
    return {
        "SITE_NAME": lazy(site_name, str)(),
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "site": SimpleLazyObject(shared_parts),
    }
