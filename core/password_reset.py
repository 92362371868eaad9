"""Forgotten passwords, on Django's reset views. Added: the task worker makes and sends the mail
(no reset link is stored in the queue), links are built on SITE_URL, never on a forgeable Host
header, and asking is rate limited per address asked for and per client (429)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_ratelimit.decorators import ratelimit
from django_tasks import task

from blog.site import site_name
from comments.views import client_key

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"


@task()
def send_password_reset(*, user_id: int) -> bool:
    """Mail an active user the link to choose a new password; False if they cannot have one."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": site_name(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme,
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    send_mail(subject, render_to_string(BODY_TEMPLATE, context), None, [user.email])
    return True


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, its mail handed to the task worker."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        send_password_reset.enqueue(user_id=context["user"].pk)


def _asked_address(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


@method_decorator(
    ratelimit(group="password_reset", key=client_key, rate="10/h", method="POST", block=False),
    name="post",
)
@method_decorator(
    ratelimit(group="password_reset", key=_asked_address, rate="3/h", method="POST", block=False),
    name="post",
)
class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "registration/password_reset_limited.html", status=429)
        return super().post(request, *args, **kwargs)
