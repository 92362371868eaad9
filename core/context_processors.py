from django.conf import settings


def site(request):
    """The site's name for the base template (no queries)."""
    return {"SITE_NAME": settings.SITE_NAME}
