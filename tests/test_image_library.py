"""The image library: upload in the admin (checked, alt text required, kept across a failed
save), then insert into a post body as Markdown."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from images.models import Image
from tests.factories import PostFactory
from tests.test_cover_uploads import image_bytes
from tests.test_roles_admin import ADD_URL, change_url

pytestmark = pytest.mark.django_db

IMAGE_ADD_URL = reverse("admin:images_image_add")


def upload(name="tomatoes.png", data=None):
    return SimpleUploadedFile(name, data or image_bytes("PNG"), content_type="image/png")


def test_author_uploads_an_image_with_alt_text_and_gets_its_markdown(client, author):
    client.force_login(author)
    response = client.post(IMAGE_ADD_URL, {"file": upload(), "alt": "Ripe [cherry] tomatoes"})
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.uploaded_by == author
    assert default_storage.exists(image.file.name)
    assert image.markdown == f"![Ripe \\[cherry\\] tomatoes]({image.file.url})"


def test_image_without_alt_text_is_refused_and_the_file_kept_for_the_next_try(client, author):
    client.force_login(author)
    html = client.post(IMAGE_ADD_URL, {"file": upload(), "alt": ""}).content.decode()
    assert "This field is required." in html
    assert "Kept from your last try: tomatoes.png" in html
    token = re.search(r'name="pending_upload" value="([^"]+)"', html).group(1)
    assert not Image.objects.exists()
    response = client.post(IMAGE_ADD_URL, {"alt": "Tomatoes", "pending_upload": token})
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.file.name.startswith("library/") and default_storage.exists(image.file.name)


def test_a_file_that_is_not_an_image_is_a_form_error(client, author):
    client.force_login(author)
    fake = SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png")
    response = client.post(IMAGE_ADD_URL, {"file": fake, "alt": "Notes"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Image.objects.exists()


def test_post_form_lists_the_library_with_markdown_and_an_insert_button(client, author):
    client.force_login(author)
    client.post(IMAGE_ADD_URL, {"file": upload(), "alt": "Tomatoes"})
    image = Image.objects.get()
    draft = PostFactory(author=author, draft=True)
    for url in (ADD_URL, change_url(draft)):
        html = client.get(url).content.decode()
        assert 'id="image-library"' in html
        assert f"<code>{image.markdown}</code>" in html
        assert f'data-markdown="{image.markdown}" hidden>Insert</button>' in html
        assert 'src="/static/js/image-library.js" defer' in html


def test_inserted_markdown_renders_the_image_in_the_body(author):
    image = Image.objects.create(file=upload(), alt="Tomatoes", uploaded_by=author)
    post = PostFactory(body=f"Look:\n\n{image.markdown}\n")
    # Served from its renditions (tests/test_inline_images.py), named after the upload.
    stem = image.file.name.rsplit("/", 1)[1].removesuffix(".png")
    assert f"/renditions/{stem}-640w.png" in post.body_html
    assert 'alt="Tomatoes"' in post.body_html


def test_authors_cannot_change_or_delete_library_images_editors_can(client, author, editor):
    image = Image.objects.create(file=upload(), alt="Tomatoes")
    client.force_login(author)
    edit = reverse("admin:images_image_change", args=[image.pk])
    assert client.post(edit, {"alt": "Changed"}).status_code == 403
    delete = reverse("admin:images_image_delete", args=[image.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(editor)
    assert client.post(delete, {"post": "yes"}).status_code == 302


def test_uploader_relabels_and_removes_their_own_image_and_the_file_stays_for_posts(client, author):
    client.force_login(author)
    client.post(IMAGE_ADD_URL, {"file": upload(), "alt": "Tomatos"})
    image = Image.objects.get()
    edit = reverse("admin:images_image_change", args=[image.pk])
    assert client.post(edit, {"alt": "Tomatoes"}).status_code == 302
    assert Image.objects.get().alt == "Tomatoes"
    delete = reverse("admin:images_image_delete", args=[image.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Image.objects.exists()
    assert default_storage.exists(image.file.name)  # a post that inserted it still shows it


UPLOAD_FROM_POST_FORM_URL = reverse("admin:images_image_upload")


def test_upload_from_the_post_form_answers_with_the_refreshed_list(client, author):
    client.force_login(author)
    response = client.post(UPLOAD_FROM_POST_FORM_URL, {"file": upload(), "alt": "Red tomatoes"})
    assert response.status_code == 200
    image = Image.objects.get()
    assert image.uploaded_by == author
    html = response.content.decode()
    assert html.lstrip().startswith("<li>") and 'alt="Red tomatoes"' in html

    response = client.post(UPLOAD_FROM_POST_FORM_URL, {"file": upload(), "alt": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Image.objects.count() == 1


def test_upload_from_the_post_form_needs_the_right_to_upload(client, moderator):
    client.force_login(moderator)
    response = client.post(UPLOAD_FROM_POST_FORM_URL, {"file": upload(), "alt": "Tomatoes"})
    assert response.status_code == 403
    assert client.get(UPLOAD_FROM_POST_FORM_URL).status_code == 405
    assert not Image.objects.exists()


def test_an_old_address_of_the_library_leads_to_its_page_in_the_images_app(client, author):
    image = Image.objects.create(file=upload(), alt="Tomatoes")
    client.force_login(author)
    response = client.get(f"/admin/blog/image/{image.pk}/change/?_popup=1", follow=True)
    assert response.redirect_chain == [(f"/admin/images/image/{image.pk}/change/?_popup=1", 301)]
    assert response.status_code == 200
