"""Uploaded files (cover images) served by Django when no web server or S3 does it."""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.urls import re_path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def serve_media(request, path):
    """A file under MEDIA_ROOT, with Last-Modified (so 304s) and a day's public caching.

    django.views.static.serve refuses directory listings and paths outside MEDIA_ROOT.
    """
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation as error:  # "../" out of MEDIA_ROOT: nothing there
        raise Http404 from error
    patch_cache_control(response, public=True, max_age=settings.MEDIA_MAX_AGE)
    # An upload is never a page: no scripts or frames even if a file slipped past validation.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def media_urlpatterns() -> list:
    """The /media/ route when SERVE_MEDIA is on (and the URL is local), else none."""
    prefix = settings.MEDIA_URL.lstrip("/")
    if not settings.SERVE_MEDIA or not prefix or "://" in settings.MEDIA_URL:
        return []
    return [re_path(rf"^{prefix}(?P<path>.+)$", serve_media, name="media")]
