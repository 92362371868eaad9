from django.http import HttpResponsePermanentRedirect

from wordpress_import import legacy_urls

SAFE_METHODS = ("GET", "HEAD")


class LegacyRedirectMiddleware:
    """Answer an imported site's old links with a 301 to the same thing's address here.

    `/?p=ID` (and WordPress's other query links on `/`) is checked before the view, since the
    home page would answer it otherwise; every other old address (permalinks in any shape,
    `/index.php?p=ID`, feeds, categories, tags) only once nothing else matched (a 404), so
    normal pages cost no query. See wordpress_import.legacy_urls for what goes where.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        old_link = request.method in SAFE_METHODS
        if old_link and request.path == "/" and legacy_urls.is_wordpress_query(request.GET):
            target = legacy_urls.by_query(request.GET)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and old_link:
            target = legacy_urls.target_for(request.path, request.GET)
            if target and target != request.get_full_path():
                return HttpResponsePermanentRedirect(target)
        return response
