import sys

from django.contrib.staticfiles import finders
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    """500, or 503 with Retry-After when the database is unreachable (Django calls this with
    the exception, from a view or a middleware, still being handled)."""
    # Rendered without context processors' database work: the failure may be the database.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"  # seconds for a reader or crawler to wait
        return response
    return render(request, "500.html", status=500)


@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    """/favicon.ico, where browsers and crawlers look for it whatever the page links."""
    path = finders.find("favicon.ico")
    if path is None:
        raise Http404("No favicon")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
