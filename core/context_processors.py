from django.conf import settings


def site(request):
    """The site's name for the base template (no queries)."""
    return {"SITE_NAME": settings.SITE_NAME}


def page_cache_holes(request):
    """A page rendered for the shared page cache gets a hole where the CSRF token goes, filled
    per visitor by core.pagecache (this overrides Django's built-in csrf processor)."""
    if getattr(request, "renders_for_cache", False):
        from core.pagecache import csrf_hole

        return {"csrf_token": csrf_hole().decode()}
    return {}
