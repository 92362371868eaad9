from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import caches
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from blog import fragments
from blog.models import Post
from blog.site import site_name
from blog.views import PageDetailView, PostDetailView
from comments import personal_data, services, subscriptions, tasks, threads
from comments.forms import CommentForm, DataLinkForm
from comments.models import Comment, DataRequest


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or the last entry of the header our own proxy sets,
    if COMMENT_TRUSTED_PROXY_HEADER names it (anyone can forge X-Forwarded-For)."""
    header = settings.COMMENT_TRUSTED_PROXY_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def client_key(group, request) -> str:
    return client_ip(request)


def _rate(group, request):
    # While the shared cache is down, each process counts on its own: a lower limit each.
    limiter_cache = caches[settings.RATELIMIT_USE_CACHE]
    if hasattr(limiter_cache, "reachable") and not limiter_cache.reachable():
        return settings.COMMENT_RATE_LIMIT_DEGRADED
    return settings.COMMENT_RATE_LIMIT


@require_POST
@ratelimit(group="comments:submit", key=client_key, rate=_rate, block=False)
def submit(request, post_id):
    post = get_object_or_404(Post.objects.public(), pk=post_id)
    # Refused pages show the text sent, so that it is not lost.
    refused = {"post": post, "body": request.POST.get("body", "")}
    if request.limited:
        return render(request, "comments/rate_limited.html", refused, status=429)
    form = CommentForm(request.POST, post=post, user=request.user)
    try:
        comment = services.submit_comment(
            post=post,
            form=form,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            user=request.user,
            verified_emails=services.verified_emails(request),
        )
    except services.CommentsClosed:
        return render(request, "comments/closed.html", refused, status=403)
    if comment is None:
        return _form_with_errors(request, post, form)
    services.remember_pending(request, comment)
    thanks = "published" if comment.status == Comment.Status.APPROVED else "awaiting moderation"
    messages.success(request, f"Thank you! Your comment is {thanks}.", threads.MESSAGE_TAG)
    return redirect(post.get_absolute_url() + "#comments")


def _form_with_errors(request, post, form):
    """The post again, with the form as sent and its errors: the sender's own page, not cached."""
    comments = threads.comments_for_visitor(request=request, post=post, form=form)
    context = {"object": post, "is_preview": False, "comments": comments}
    if post.kind == Post.Kind.PAGE:
        template, context["page"] = PageView.template_name, post
    else:
        template, context["post"] = PostPageView.template_name, post
        context["parts"] = fragments.post_parts(post)
    response = render(request, template, context, status=400)
    add_never_cache_headers(response)
    return response


class WithCommentSection:
    """A post's or a page's view with the comment section below it (none on a staff preview)."""

    def shows_comments(self) -> bool:
        return True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["is_preview"] and self.shows_comments():
            context["comments"] = threads.comments_for_visitor(
                request=self.request, post=self.object
            )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if "comments" in context:
            response.page_cache_expires = context["comments"].expires
        return response


class PostPageView(WithCommentSection, PostDetailView):
    template_name = "comments/post_page.html"


class PageView(WithCommentSection, PageDetailView):
    template_name = "comments/page.html"

    def shows_comments(self) -> bool:
        # Like WordPress: closing a page keeps what was approved, under "Comments are closed".
        return self.object.comments_enabled or self.object.approved_comment_count > 0


def verify_email(request, token):
    try:
        verified = services.verify_email(token=token)
    except signing.BadSignature:
        return render(request, "comments/email_verified.html", {"verified": None}, status=400)
    services.remember_verified_email(request, verified.email)
    return render(request, "comments/email_verified.html", {"verified": verified})


LINK_PAGE = "comments/moderation_link_result.html"
DATA_PAGE = "comments/personal_data.html"


@csrf_exempt  # the signed token is the authority, and mail programs POST without an origin
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (mail scanners open links); POST stops the mail: the page's button, or the mail
    program's one-click unsubscribe (RFC 8058)."""
    try:
        claim = subscriptions.read_unsubscribe_token(token)
    except signing.BadSignature:
        context = {"title": "Invalid link", "message": "This unsubscribe link is not valid."}
        return render(request, LINK_PAGE, context, status=400)
    scope = "about this comment" if claim.comment_id else f"from {site_name()} at all"
    if request.method == "GET":
        context = {"title": "Unsubscribe?", "message": f"Stop e-mail {scope}.", "confirm": "Stop"}
        return render(request, LINK_PAGE, context)
    stopped = subscriptions.unsubscribe(claim)
    title = "Unsubscribed" if stopped else "Already unsubscribed"
    return render(request, LINK_PAGE, {"title": title, "message": f"No more e-mail {scope}."})


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="comments:personal_data", key=client_key, rate=_rate, block=False)
def request_personal_data(request):
    """Ask for the link to one's personal data: it is mailed to the address, never shown here."""
    form = DataLinkForm(request.POST or None)
    if request.method == "POST" and getattr(request, "limited", False):
        return render(request, DATA_PAGE, {"form": form, "limited": True}, status=429)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if services.confirmation_allowed(email=email):
            services.enqueue_or_log(tasks.send_data_link, email=email)
        return render(request, DATA_PAGE, {"sent_to": email})
    return render(request, DATA_PAGE, {"form": form}, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def personal_data_link(request, token):
    """The page a mailed data link opens: what is held, and buttons (POST) to download or erase."""
    try:
        email = personal_data.read_link_token(token)
    except signing.BadSignature as error:
        status, heading, why = {
            signing.SignatureExpired: (410, "Link expired", "This link has expired."),
            personal_data.LinkUsed: (410, "Link already used", "This link has been used."),
        }.get(type(error), (400, "Invalid link", "This link is not valid."))
        refused = f"{why} Ask for a new one."
        context = {"heading": heading, "refused": refused, "form": DataLinkForm()}
        return render(request, DATA_PAGE, context, status=status)
    action = request.POST.get("action")
    if request.method == "GET" or action not in DataRequest.Action.values:
        held = personal_data.held_for(email).count()
        context = {"email": email, "held": held, "actions": DataRequest.Action}
        return render(request, DATA_PAGE, context)
    document = personal_data.carry_out(DataRequest(action=action), email=email)
    if document is not None:
        return personal_data.json_download(document)
    return render(request, DATA_PAGE, {"erased": True})
