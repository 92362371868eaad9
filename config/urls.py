from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView

from blog import sitemaps
from blog import urls as blog_urls
from comments.views import PageView, PostPageView
from config.health import healthz
from config.media import media_urlpatterns
from core import password_reset
from core import views as core_views
from core.admin import view_on_site
from core.public_name import public_name_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before admin/: the admin login shows "Forgotten your password?" when these names exist.
    path(
        "admin/password_reset/",
        password_reset.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/public-name/", admin.site.admin_view(public_name_view), name="admin_public_name"),
    # Before the admin's own, which answers the same address for any staff user.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site, cacheable=False),
    ),
    # The image library's admin pages moved with its models to the images app: old bookmarks.
    re_path(
        r"^admin/blog/image/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/images/image/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<section>.xml", sitemaps.section, name="sitemap_section"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots_txt",
    ),
    path("favicon.ico", core_views.favicon, name="favicon"),
    # The blog's pages, its post pages and the owner's pages with their comment section.
    path("", include((blog_urls.routes(post_page=PostPageView, page=PageView), "blog"))),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    urlpatterns += media_urlpatterns()

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
