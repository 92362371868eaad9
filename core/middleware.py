from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.cache import patch_cache_control
from modern_csrf.middleware import ModernCsrfViewMiddleware


class NulCharacterInRequest(SuspiciousOperation):
    """A NUL character in the URL: no page here has one, and PostgreSQL rejects it in a query."""


class RejectNulCharactersMiddleware:
    """Answer 400 to any request whose path or query string holds a NUL character ("%00").

    PostgreSQL refuses NUL in text, so such a value reaching a lookup (a preview token, an admin
    filter, a search) would be a 500. Forms already refuse NUL in fields; this covers the URL,
    before any view or middleware queries with it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if (
            "\x00" in request.path_info
            or any("\x00" in key for key in query)
            or any("\x00" in value for values in query.lists() for value in values[1])
        ):
            raise NulCharacterInRequest("NUL character in the request URL")
        return self.get_response(request)


class CrossOriginProtectionMiddleware(ModernCsrfViewMiddleware):
    """Refuse cross-origin POSTs (403) without a token: django-modern-csrf, the algorithm of Go's
    CrossOriginProtection. `Sec-Fetch-Site: same-origin` or `none` passes; `cross-site` or
    `same-site` passes only from our own or a CSRF_TRUSTED_ORIGINS origin; without the header, an
    `Origin` must match; a request with neither header passes (no browser since 2020 sends a
    POST without one of them, and a forgery needs a victim's browser).

    So public pages carry no token and set no cookie. Django's token check stays where its own
    decorators put it (csrf_protect: the admin, its login): the package marks every request it
    lets through as checked (`request.csrf_processing_done`), which would make csrf_protect skip
    that check, so accepting here leaves the mark unset.

    The origin compared is `https://host` only if request.is_secure(): behind a TLS proxy, set
    TRUST_X_FORWARDED_PROTO (SECURE_PROXY_SSL_HEADER), or browsers that send `Origin` without
    `Sec-Fetch-Site` are refused.
    """

    def _accept(self, request):
        return None


class PrivateWhenMessagesShownMiddleware:
    """Send a page that showed a flash message `private, no-store`: the message ("awaiting
    moderation") is one visitor's. Pages of the page cache are private for such a visitor
    anyway (they carry a messages or session cookie); this covers every other page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The message storage marks itself used once a template has iterated over messages.
        if getattr(getattr(request, "_messages", None), "used", False):
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Send a Permissions-Policy header turning off browser features no page here uses.

    A script that somehow got in (or a page framing ours) then cannot reach the camera,
    microphone, location or payment APIs. The policy is settings.PERMISSIONS_POLICY.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
