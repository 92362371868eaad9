"""What is held about commenters: the confirmed addresses and the data requests."""

from django import forms
from django.contrib import admin

from comments import personal_data
from comments.models import DataRequest, VerifiedEmail


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ["email", "verified_at"]
    search_fields = ["email"]
    date_hierarchy = "verified_at"


class DataRequestForm(forms.ModelForm):
    email = forms.EmailField(
        help_text="Everything held for this address: its comments (with the names, websites, "
        "IP addresses and browsers they were sent with) and whether it gets mail from us."
    )

    class Meta:
        model = DataRequest
        fields = ["email", "action"]
        widgets = {"action": forms.RadioSelect}


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """A commenter's personal data exported or erased: adding a request carries it out."""

    form = DataRequestForm
    list_display = ["created", "action", "comments", "requested_by"]
    list_filter = ["action"]
    date_hierarchy = "created"

    def has_change_permission(self, request, obj=None):
        return False  # the record of what was done

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        obj.export = personal_data.carry_out(obj, email=form.cleaned_data["email"])

    def response_add(self, request, obj, post_url_continue=None):
        if obj.export is not None:
            return personal_data.json_download(obj.export)
        return super().response_add(request, obj, post_url_continue)
