"""The site's URLs plus /bench-ceiling/, a view that does nothing.

The ceiling row of the benchmark table is what any request costs here (the middleware stack and
the test client) before the project does any work of its own.
"""

import os

from django.http import HttpResponse
from django.urls import include, path

from config import urls as site_urls


def ceiling(request):
    return HttpResponse("ok")


def ceiling_page(request):
    """bench/load's ceiling: the bytes of a post page (a file it wrote), with no work at all."""
    with open(os.environ["BENCH_CEILING_FILE"], "rb") as page:
        return HttpResponse(page.read(), content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench-ceiling/", ceiling, name="bench_ceiling"),
    path("bench-ceiling/page/", ceiling_page, name="bench_ceiling_page"),
    path("", include("config.urls")),
]

handler404 = site_urls.handler404
handler500 = site_urls.handler500
