import pytest
from django.core.management import call_command


def test_collectstatic_writes_hashed_and_compressed_stylesheet(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    css = list((tmp_path / "css").glob("site.*.css"))
    assert css, "expected a content-hashed copy of site.css"
    assert (tmp_path / "css" / f"{css[0].name}.gz").exists()


@pytest.mark.django_db
def test_pages_link_the_stylesheet(client):
    assert b"/static/css/site.css" in client.get("/").content
