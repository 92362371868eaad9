"""Your public name: what readers see as the author of your posts, feeds and replies
(blog.seo.author_name); without one the site's name is shown, never the login name."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.template.response import TemplateResponse


class PublicNameForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name"]
        help_texts = {"last_name": "Shown with your first name as the author of your posts."}


def public_name_view(request):
    """The signed-in user's own first and last name (no other field, no other user)."""
    form = PublicNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your public name is saved.")
        return redirect("admin_public_name")
    context = {
        **admin.site.each_context(request),
        "title": "Your public name",
        "form": form,
        "shown_as": form.instance.get_full_name(),
    }
    return TemplateResponse(request, "admin/public_name.html", context)
