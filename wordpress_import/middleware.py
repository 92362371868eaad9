from django.http import HttpResponsePermanentRedirect

from wordpress_import.models import ImportedPost, LegacyRedirect

SAFE_METHODS = ("GET", "HEAD")
ID_PARAMETERS = ("p", "page_id")  # WordPress's /?p=123 and /?page_id=45 links


class LegacyRedirectMiddleware:
    """Answer an imported site's old links with a 301 to the post's address here.

    `/?p=ID` is checked before the view (the home page would answer it otherwise); permalinks
    only when nothing else matched (a 404), so the lookup costs normal pages no query. Only
    published posts are redirected to: an old link must not reveal a draft's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS and request.path == "/":
            target = self._by_wordpress_id(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in SAFE_METHODS:
            redirect = LegacyRedirect.objects.for_path(request.path).first()
            if redirect and redirect.post.is_published:
                target = redirect.post.get_absolute_url()
                if target != request.path:
                    return HttpResponsePermanentRedirect(target)
        return response

    def _by_wordpress_id(self, request) -> str | None:
        for parameter in ID_PARAMETERS:
            value = request.GET.get(parameter, "")
            if value.isdigit() and len(value) < 19:
                imported = (
                    ImportedPost.objects.filter(wp_id=int(value))
                    .select_related("post")
                    .order_by("pk")
                    .first()
                )
                if imported and imported.post.is_published:
                    return imported.post.get_absolute_url()
        return None
