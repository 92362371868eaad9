from django.conf import settings


def site(request):
    """The site's name and public address (absolute links) for the base template; no queries."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL.rstrip("/")}
