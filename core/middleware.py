from django.utils.cache import patch_cache_control


class PrivateWhenPersonalisedMiddleware:
    """Keep pages that show one visitor's own things out of shared caches.

    A page carrying a flash message ("awaiting moderation") or the visitor's own pending comment
    must never be served to someone else, so it is sent `private, no-store`. Code that renders
    such content sets `request.is_personalised = True` (the comment section does when
    comments.section.VisitorSection.is_personal); flash messages shown are detected here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The message storage marks itself used once a template has iterated over messages.
        messages_shown = getattr(getattr(request, "_messages", None), "used", False)
        if getattr(request, "is_personalised", False) or messages_shown:
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response
