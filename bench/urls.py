"""The site's URLs plus /bench-ceiling/, a view that does nothing.

The ceiling row of the benchmark table is what any request costs here (the middleware stack and
the test client) before the project does any work of its own.
"""

import os

from django.core.cache import caches
from django.http import HttpResponse
from django.urls import include, path, resolve

from config import urls as site_urls


def ceiling(request):
    return HttpResponse("ok")


def ceiling_page(request):
    """bench/load's ceiling: the bytes of a post page (a file it wrote), with no work at all."""
    with open(os.environ["BENCH_CEILING_FILE"], "rb") as page:
        return HttpResponse(page.read(), content_type="text/html; charset=utf-8")


def cold(request, path):
    """bench/load's fully cold row: /bench-cold/<page> empties every cache of this process (the
    page and fragment caches, the generations), then answers as <page> would. No budget: it
    shows what the first reader after a change pays."""
    for alias in caches:
        caches[alias].clear()
    match = resolve("/" + path)
    return match.func(request, *match.args, **match.kwargs)


urlpatterns = [
    path("bench-cold/<path:path>", cold, name="bench_cold"),
    path("bench-ceiling/", ceiling, name="bench_ceiling"),
    path("bench-ceiling/page/", ceiling_page, name="bench_ceiling_page"),
    path("", include("config.urls")),
]

handler404 = site_urls.handler404
handler500 = site_urls.handler500
