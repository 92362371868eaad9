from django.conf import settings
from django.utils.functional import SimpleLazyObject

from blog.site import shared_parts, site_name


def site(request):
    """The site's name, shared parts and public address, for the base template. Lazy: a page
    showing none of them (the 500 and 503 pages, when the database may be down) reads nothing."""
    return {
        "SITE_NAME": SimpleLazyObject(site_name),
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "site": SimpleLazyObject(shared_parts),
    }
