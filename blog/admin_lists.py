"""Admin changelists giving Django's HTML with the work it repeats on every row done once per
page: resolve()ing each row's link to add the filters, rendering each checkbox's widget template.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


class QuickRowsChangeList(ChangeList):
    """Rows link to <the changelist's URL><pk>/change/?<the list's filters>, as in Django."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty, Django adds nothing (and resolves nothing) per row; url_for_result adds them.
        self.row_link_filters, self.preserved_filters = self.preserved_filters, ""

    @cached_property
    def changelist_url(self) -> str:
        return reverse(
            admin_urlname(self.opts, "changelist"), current_app=self.model_admin.admin_site.name
        )

    def url_for_result(self, result):
        url = f"{self.changelist_url}{quote(result.pk)}/change/"
        return f"{url}?{self.row_link_filters}" if self.row_link_filters else url


class QuickRowsMixin:
    """For a ModelAdmin: QuickRowsChangeList, and Django's action checkbox written directly."""

    def get_changelist(self, request, **kwargs):
        return QuickRowsChangeList

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )
