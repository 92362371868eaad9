"""The admin site as a whole: its header, and what joins the two apps' admin pages."""

import functools

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html

from blog.admin import PostAdmin
from blog.models import Post
from blog.site import site_name

# Lazy: read per page, so a name changed in the site settings shows at once.
admin.site.site_header = lazy(lambda: f"{site_name()} administration", str)()
admin.site.site_title = lazy(lambda: f"{site_name()} admin", str)()


# The admin's sections as the people who run a blog name them.
SECTION_NAMES = {
    "axes": "Login lockouts",
    "django_tasks_database": "Background tasks",
    "taggit": "Tags",
}
default_app_list = admin.site.get_app_list


def app_list_in_plain_words(request, app_label=None):
    """The admin's sections with plain names, the tags listed with the posts they label."""
    sections = default_app_list(request, app_label)
    by_label = {section["app_label"]: section for section in sections}
    if "taggit" in by_label and "blog" in by_label:
        models = by_label["blog"]["models"] + by_label["taggit"]["models"]
        by_label["blog"]["models"] = sorted(models, key=lambda model: str(model["name"]))
        sections.remove(by_label["taggit"])
    for section in sections:
        section["name"] = SECTION_NAMES.get(section["app_label"], section["name"])
    return sections


admin.site.get_app_list = app_list_in_plain_words


class PostWithCommentsAdmin(PostAdmin):
    """The post list, plus a link from each post to its comments awaiting moderation."""

    list_display = [*PostAdmin.list_display, "pending_comments"]

    @admin.display(description="pending", ordering="pending_comment_count")
    def pending_comments(self, post):
        if not post.pending_comment_count:
            return "0"
        return format_html(
            '<a href="{}?post={}&amp;status__exact=pending">{} pending</a>',
            reverse("admin:comments_comment_changelist"),
            post.pk,
            post.pending_comment_count,
        )


admin.site.unregister(Post)
admin.site.register(Post, PostWithCommentsAdmin)


def view_on_site(request, content_type_id: int, object_id: str):
    """The admin's "View on site" (/admin/r/<type>/<id>/), only for objects the user may view
    in the admin: a draft's slug or a share link's token gives away what others may not see."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except (ContentType.DoesNotExist, OverflowError):
        raise Http404 from None
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise Http404
    obj = model_admin.get_object(request, str(object_id))
    if obj is None or not model_admin.has_view_permission(request, obj):
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)


class RefusesBadFilterValues:
    """For a ChangeList: a filter value Python or the database cannot take (a year past Python's
    dates, a number past 64 bits) is Django's "?e=1" page, never a 500. Both fail before the
    database runs anything, so nothing else is spoilt."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
            len(self.result_list)  # the page's query runs here, where its errors are caught
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


@functools.cache
def _refusing(changelist_class):
    return type(changelist_class.__name__, (RefusesBadFilterValues, changelist_class), {})


def refuse_bad_filter_values(site: admin.AdminSite) -> None:
    """Make every registered admin list (third-party ones too) RefusesBadFilterValues; called
    once every admin module is imported."""
    for model_admin in site._registry.values():
        get_changelist = model_admin.get_changelist

        def refusing_get_changelist(request, _get_changelist=get_changelist, **kwargs):
            return _refusing(_get_changelist(request, **kwargs))

        model_admin.get_changelist = refusing_get_changelist
