"""The site's URLs plus /bench-ceiling/, a view that does nothing.

The ceiling row of the benchmark table is what any request costs here (the middleware stack and
the test client) before the project does any work of its own.
"""

from django.http import HttpResponse
from django.urls import include, path

from config import urls as site_urls


def ceiling(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench-ceiling/", ceiling, name="bench_ceiling"),
    path("", include("config.urls")),
]

handler404 = site_urls.handler404
handler500 = site_urls.handler500
