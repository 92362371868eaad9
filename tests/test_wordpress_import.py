import gzip
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from PIL import Image

from blog.models import Page, Post
from comments.models import Comment
from tests.factories import PostFactory, UserFactory
from tests.wordpress_exports import SAMPLE, comment, item, write_export
from wordpress_import.models import ImportedComment, ImportedPost, LegacyRedirect
from wordpress_import.wxr import Item, WxrReader

pytestmark = pytest.mark.django_db

SAMPLE_SUMMARY = """\
WordPress import of "Trail Running Notes" (https://trail.example), WXR 1.2
Posts: 6 created, 0 updated; 0 skipped
Pages: 2 created, 0 kept
Comments: 6 imported (4 approved, 1 pending, 1 rejected); 0 updated, 1 skipped: 1 trackbacks and pingbacks
Authors: 0 matched, 3 created (no usable password: they set one through password reset)
Media: 1 copied, 0 already there, 0 not carried over; 1 covers
Redirects: 5 old permalinks answer 301 (and ?p=ID links)
Not carried over as it was:
  password-protected, kept as a draft (1):
    https://trail.example/2024/03/01/training-plan
  private, kept as a draft (1):
    https://trail.example/2024/04/01/injury-notes
  trackback skipped (1):
    https://running.example/links on https://trail.example/2024/06/20/no-watch
"""  # noqa: E501


def run_import(*args) -> str:
    out = StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def uploads(tmp_path) -> Path:
    """A copy of wp-content/uploads holding the sample's one image."""
    folder = tmp_path / "uploads"
    (folder / "2023" / "09").mkdir(parents=True)
    Image.new("RGB", (80, 53), (120, 90, 60)).save(folder / "2023" / "09" / "finish.jpg")
    return folder


@pytest.fixture
def imported(uploads) -> str:
    return run_import(SAMPLE, "--media-dir", uploads)


def post(slug: str) -> Post:
    return Post.objects.get(slug=slug)


# The summary


def test_sample_import_prints_the_summary_of_everything_it_did_and_could_not_do(imported):
    assert imported == SAMPLE_SUMMARY


def test_dry_run_prints_the_same_summary_and_saves_nothing(uploads, settings):
    output = run_import(SAMPLE, "--media-dir", uploads, "--dry-run")
    assert output == SAMPLE_SUMMARY + "Dry run: nothing was saved.\n"
    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not get_user_model().objects.filter(username="kim").exists()
    assert not LegacyRedirect.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


# Posts: status mapping


def test_published_posts_are_public_with_their_gmt_publish_date(imported):
    shoes = post("shoe-review-500km")
    assert shoes.is_published
    assert shoes.publish_at.isoformat() == "2024-02-03T08:10:00+00:00"
    assert shoes.title == "Shoe Review: Three Trail Shoes After 500 km"
    assert set(Post.objects.published().values_list("slug", flat=True)) == {
        "first-ultra-50k",
        "shoe-review-500km",
        "no-watch",
    }


def test_password_protected_and_private_posts_are_kept_as_drafts(imported):
    assert post("training-plan").status == Post.Status.DRAFT
    assert post("injury-notes").status == Post.Status.DRAFT


def test_a_wordpress_draft_is_a_draft_without_a_publish_date(imported):
    draft = post("fastpacking-kit")
    assert (draft.status, draft.publish_at) == (Post.Status.DRAFT, None)


def test_future_posts_are_scheduled_pending_ones_drafts_and_trashed_ones_skipped(tmp_path):
    export = write_export(
        tmp_path / "export.xml",
        item(1, status="future", date="2999-01-01 00:00:00"),
        item(2, status="pending"),
        item(3, status="trash"),
    )
    output = run_import(export)
    scheduled = post("post-1")
    assert scheduled.is_scheduled and not scheduled.is_published
    assert post("post-2").status == Post.Status.DRAFT
    assert not Post.objects.filter(slug="post-3").exists()
    assert "1 trashed" in output
    assert "https://old.example/2024/01/02/post-3/" in output


def test_pages_become_pages_at_their_own_address_and_their_old_links_answer_301(imported, client):
    about = Page.objects.get(slug="about")
    assert about.status == Page.Status.PUBLISHED
    assert about.body.strip() == "Three friends who run on trails."
    assert not Post.objects.posts().filter(slug__in=["about", "contact"]).exists()
    assert client.get("/about/").status_code == 200
    answer = client.get("/?page_id=11")
    assert answer.status_code == 301 and answer["Location"] == "/about/"
    assert client.get("/company/contact/")["Location"] == "/contact/"  # under a parent
    assert "Pages: 0 created, 2 kept" in run_import(SAMPLE)


def test_a_pages_comments_are_imported_onto_it_and_shown_there_if_it_was_open(tmp_path, client):
    export = write_export(
        tmp_path / "pages.xml",
        item(
            11,
            title="About",
            slug="about",
            post_type="page",
            comments=comment(1, content="Lovely page.")
            + comment(2, approved="0", content="Still waiting.")
            + comment(3, parent=1, content="Agreed."),
        ),
        item(
            12,
            title="Privacy",
            slug="privacy",
            post_type="page",
            comment_status="closed",
            comments=comment(4, content="An old remark."),
        ),
    )
    output = run_import(export)
    assert "Comments: 4 imported (3 approved, 1 pending);" in output
    about, privacy = Page.objects.get(slug="about"), Page.objects.get(slug="privacy")
    assert (about.comments_enabled, privacy.comments_enabled) == (True, False)
    assert sorted(about.comments.values_list("body", "status")) == [
        ("Agreed.", Comment.Status.APPROVED),
        ("Lovely page.", Comment.Status.APPROVED),
        ("Still waiting.", Comment.Status.PENDING),
    ]
    [reply] = about.comments.filter(body="Agreed.")
    assert reply.parent.body == "Lovely page."
    assert privacy.comments.get().body == "An old remark."
    about.refresh_from_db()
    assert (about.approved_comment_count, about.pending_comment_count) == (2, 1)
    html = client.get("/about/").content.decode()
    assert "Lovely page." in html and "Agreed." in html and "Still waiting." not in html
    # Closed in WordPress: as there, its approved comments show and it takes no more.
    html = client.get("/privacy/").content.decode()
    assert "An old remark." in html and "Comments are closed on this page." in html
    assert "Leave a comment" not in html
    assert "Comments: 0 imported" in run_import(export)  # a re-run adds none twice
    assert Comment.objects.count() == 4


def test_pages_are_imported_as_posts_when_asked(uploads):
    output = run_import(SAMPLE, "--media-dir", uploads, "--pages-as-posts")
    assert "Posts: 8 created" in output
    assert post("about").body.strip() == "Three friends who run on trails."


def test_excerpt_or_the_text_before_the_more_tag_becomes_the_summary(imported):
    assert post("shoe-review-500km").summary == "Grip, drop and durability after 500 km."
    assert post("first-ultra-50k").summary == "It rained for the whole 50 km. I loved it."
    assert "more" not in post("first-ultra-50k").body


def test_comment_status_closed_closes_the_post_to_new_comments(imported):
    assert post("no-watch").comments_enabled is False
    assert post("first-ultra-50k").comments_enabled is True


# Content


def test_caption_shortcode_becomes_a_figure_with_its_caption(imported):
    html = post("first-ultra-50k").body_html
    assert "<figure>" in html
    assert "<figcaption>The finish, 7 h 12 min.</figcaption>" in html
    assert "[caption" not in html


def test_classic_posts_get_paragraphs_lists_and_links_as_wpautop_makes_them(imported):
    html = post("first-ultra-50k").body_html
    assert "<p>It rained for the whole 50 km. I loved it.</p>" in html
    assert "<p>Lessons:</p>" in html
    assert "<li>Eat <em>before</em> you are hungry</li>" in html
    assert '<a href="https://example.org/strava"' in html
    assert post("no-watch").body_html == "<p>Run by feel.</p>\n<p>It works.</p>"


def test_classic_single_newlines_become_line_breaks(tmp_path):
    run_import(write_export(tmp_path / "e.xml", item(1, content="Line one\nline two\n\nNext")))
    assert post("post-1").body_html == "<p>Line one<br>\nline two</p>\n<p>Next</p>"


def test_block_posts_lose_block_comments_and_keep_headings_and_tables(imported):
    shoes = post("shoe-review-500km")
    assert "wp:" not in shoes.body
    assert shoes.body.startswith("## Grip\n")
    assert '<h2 id="grip">Grip</h2>' in shoes.body_html
    assert "<th>Shoe</th>" in shoes.body_html and "<td>4 mm</td>" in shoes.body_html
    assert "Prices in € and ¥, naïve café runs, and 🏃 emoji." in shoes.body_html


def test_body_is_markdown_an_editor_can_keep_editing(imported):
    body = post("first-ultra-50k").body
    assert "- Tape your feet" in body
    assert "[my log](https://example.org/strava)" in body


def test_a_script_never_survives_the_import(tmp_path):
    content = 'Hi<script>alert("x")</script> <img src="https://x.example/a.png" onerror="bad()">'
    run_import(write_export(tmp_path / "e.xml", item(1, content=content)))
    imported = post("post-1")
    for text in (imported.body, imported.body_html):
        assert "script" not in text and "alert" not in text and "onerror" not in text


def test_unknown_shortcodes_stay_as_text_and_are_reported(tmp_path):
    content = 'Look: [gallery ids="1,2"] and [foo-bar]x[/foo-bar].'
    output = run_import(write_export(tmp_path / "e.xml", item(1, content=content)))
    assert '[gallery ids="1,2"]' in post("post-1").body
    assert "[gallery ids=" in post("post-1").body_html
    assert "unknown shortcode [gallery] kept as text (1):" in output
    assert "unknown shortcode [foo-bar] kept as text (1):" in output


# Tags


def test_categories_and_tags_become_tags_without_uncategorized(imported):
    assert sorted(post("first-ultra-50k").tags.names(), key=str.lower) == [
        "race report",
        "Race Reports",
        "rain",
        "ultra",
    ]
    assert sorted(post("shoe-review-500km").tags.names(), key=str.lower) == ["review", "Shoes"]
    assert list(post("no-watch").tags.names()) == ["mindset"]


# Authors


def test_unknown_authors_are_created_as_authors_with_no_usable_password(imported):
    jose = get_user_model().objects.get(username="jose")
    assert jose.get_full_name() == "José Núñez"
    assert jose.email == "jose@trail.example"
    assert not jose.has_usable_password()
    assert jose.is_staff and list(jose.groups.values_list("name", flat=True)) == ["Authors"]
    assert post("shoe-review-500km").author == jose


def test_authors_are_matched_by_email_or_login(uploads):
    by_email = UserFactory(username="kimberly", email="KIM@trail.example")
    by_login = UserFactory(username="Ola", email="someone@else.example")
    output = run_import(SAMPLE, "--media-dir", uploads)
    assert "Authors: 2 matched, 1 created" in output
    assert post("first-ultra-50k").author == by_email
    assert post("fastpacking-kit").author == by_login


# Media


def test_images_are_copied_with_media_dir_and_the_first_becomes_the_cover(imported, settings):
    ultra = post("first-ultra-50k")
    assert (Path(settings.MEDIA_ROOT) / "wordpress/2023/09/finish.jpg").is_file()
    # Served from the renditions made when it was copied.
    webp = '<source type="image/webp" srcset="/media/wordpress/2023/09/renditions/finish-80w.webp'
    assert webp in ultra.body_html
    assert 'src="/media/wordpress/2023/09/renditions/finish-80w.jpg"' in ultra.body_html
    assert ultra.cover_image.name.endswith("/finish.jpg")
    assert ultra.cover_image_alt == "Muddy finish line"
    assert ultra.cover_renditions


def test_without_media_dir_image_urls_stay_absolute_and_are_reported():
    output = run_import(SAMPLE)
    assert 'src="https://trail.example/wp-content/uploads/2023/09/finish.jpg"' in (
        post("first-ultra-50k").body_html
    )
    assert not post("first-ultra-50k").cover_image
    assert "image left on the old site (no --media-dir or --fetch-media) (1):" in output


def test_a_file_that_is_not_a_valid_image_is_not_copied(uploads):
    (uploads / "2023/09/finish.jpg").write_bytes(b"<?php evil(); ?>")
    output = run_import(SAMPLE, "--media-dir", uploads)
    assert "not a valid image, left on the old site (1):" in output
    assert not post("first-ultra-50k").cover_image


def test_a_leading_image_that_becomes_the_cover_is_not_shown_twice(tmp_path, uploads):
    content = '<img src="/wp-content/uploads/2023/09/finish.jpg" alt="Finish">\n\nText.'
    run_import(write_export(tmp_path / "e.xml", item(1, content=content)), "--media-dir", uploads)
    imported = post("post-1")
    assert imported.cover_image_alt == "Finish"
    assert "<img" not in imported.body_html and "Text." in imported.body_html


# Comments


def test_comment_statuses_map_to_ours(imported):
    statuses = dict(Comment.objects.values_list("author_name", "status").order_by("created"))
    assert statuses["Mia"] == Comment.Status.PENDING
    assert statuses["Troll"] == Comment.Status.REJECTED
    assert statuses["Ølse Ørsted"] == Comment.Status.APPROVED


def test_spam_comments_stay_spam(tmp_path):
    run_import(write_export(tmp_path / "e.xml", item(1, comments=comment(5, approved="spam"))))
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_reply_threads_keep_their_parents_dates_ip_and_registered_user(imported):
    rui, kim, rui_again = Comment.objects.filter(post__slug="first-ultra-50k").approved()
    assert (rui.parent, kim.parent, rui_again.parent) == (None, rui, kim)
    assert [c.depth for c in (rui, kim, rui_again)] == [0, 1, 2]
    assert kim.user.username == "kim" and rui.user is None
    assert kim.created.isoformat() == "2023-09-18T09:30:00+00:00"
    assert rui.ip_address == "198.51.100.23"


def test_replies_deeper_than_our_nesting_attach_to_the_deepest_allowed_ancestor(tmp_path):
    chain = comment(1) + "".join(comment(n, parent=n - 1) for n in range(2, 7))
    run_import(write_export(tmp_path / "e.xml", item(1, comments=chain)))
    by_wp_id = {m.wp_id: m.comment for m in ImportedComment.objects.select_related("comment")}
    assert [by_wp_id[n].depth for n in range(1, 7)] == [0, 1, 2, 2, 2, 2]
    deepest_ancestor = by_wp_id[settings.COMMENT_MAX_DEPTH]  # depth MAX_DEPTH - 1
    assert all(
        by_wp_id[n].parent == deepest_ancestor for n in range(settings.COMMENT_MAX_DEPTH + 1, 7)
    )


def test_comment_html_is_reduced_to_text_with_links_marked_nofollow_ugc(imported):
    mia = Comment.objects.get(author_name="Mia")
    assert mia.body == "Which tape (https://example.org/tape) do you use?"
    assert 'href="https://example.org/tape" rel="nofollow ugc noopener"' in mia.body_html
    kim = Comment.objects.get(author_name="Kim Ahlberg")
    assert kim.body == "Thanks Rui! The last 10 km hurt." and "<em>" not in kim.body_html


def test_trackbacks_are_skipped_and_reported(imported):
    assert not Comment.objects.filter(post__slug="no-watch").exists()
    assert "trackback skipped (1):" in imported


def test_importing_comments_sends_no_moderator_email(uploads, django_capture_on_commit_callbacks):
    UserFactory(username="mod", is_staff=True, groups=["Moderators"])
    with django_capture_on_commit_callbacks(execute=True):
        run_import(SAMPLE, "--media-dir", uploads)
    assert mail.outbox == []  # every on-commit callback ran (cache purges queue some)


def test_comment_counts_are_right_after_the_import(imported):
    ultra = post("first-ultra-50k")
    assert (ultra.approved_comment_count, ultra.pending_comment_count) == (3, 1)
    shoes = post("shoe-review-500km")
    assert (shoes.approved_comment_count, shoes.pending_comment_count) == (1, 0)


def test_a_reply_to_a_comment_missing_from_the_export_starts_a_thread(tmp_path):
    output = run_import(write_export(tmp_path / "e.xml", item(1, comments=comment(7, parent=6))))
    assert Comment.objects.get().parent is None
    assert "reply to a comment missing from the export" in output


# Old links


def test_old_permalinks_answer_301_to_the_new_post(imported, client):
    for old in ("/2023/09/17/first-ultra-50k", "/2023/09/17/first-ultra-50k/"):
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/blog/first-ultra-50k/"


def test_question_mark_p_links_answer_301(imported, client):
    response = client.get("/?p=6")
    assert (response.status_code, response["Location"]) == (301, "/blog/shoe-review-500km/")


def test_old_links_of_drafts_and_private_posts_reveal_nothing(imported, client):
    assert client.get("/2024/04/01/injury-notes/").status_code == 404
    assert client.get("/?p=9").status_code == 200  # the home page, not the draft
    assert client.get("/?p=nine").status_code == 200


def test_redirects_follow_a_slug_changed_here(imported, client):
    ultra = post("first-ultra-50k")
    ultra.slug = "my-first-ultra"
    ultra.save()
    assert client.get("/2023/09/17/first-ultra-50k/")["Location"] == "/blog/my-first-ultra/"


def test_unknown_paths_are_still_404(imported, client):
    assert client.get("/2023/09/17/nothing-here/").status_code == 404


# Again and again


def test_re_running_the_same_export_changes_nothing_and_duplicates_nothing(uploads, imported):
    output = run_import(SAMPLE, "--media-dir", uploads)
    assert "Posts: 0 created, 0 updated; 6 skipped: 6 unchanged since the last import" in output
    assert "Pages: 0 created, 2 kept" in output
    assert "Comments: 0 imported; 0 updated, 7 skipped: 6 unchanged" in output
    assert "Authors: 3 matched, 0 created" in output
    assert Post.objects.posts().count() == 6 and Comment.objects.count() == 6
    assert Page.objects.count() == 2
    assert ImportedPost.objects.count() == 6 and LegacyRedirect.objects.count() == 5
    assert get_user_model().objects.count() == 3


def test_edits_made_here_survive_a_re_run_unless_overwrite(uploads, imported):
    ultra = post("first-ultra-50k")
    ultra.title = "Edited here"
    ultra.save()
    mia = Comment.objects.get(author_name="Mia")
    mia.status = Comment.Status.APPROVED
    mia.save()
    output = run_import(SAMPLE, "--media-dir", uploads)
    assert "1 edited here (kept; --overwrite replaces)" in output
    assert post("first-ultra-50k").title == "Edited here"
    assert Comment.objects.get(author_name="Mia").status == Comment.Status.APPROVED
    output = run_import(SAMPLE, "--media-dir", uploads, "--overwrite")
    assert "Posts: 0 created, 1 updated" in output
    assert post("first-ultra-50k").title == "My First Ultra: 50 km in the Rain"
    assert Comment.objects.get(author_name="Mia").status == Comment.Status.PENDING


def test_a_changed_export_updates_what_the_import_made(tmp_path):
    export = tmp_path / "e.xml"
    run_import(write_export(export, item(1, content="Old.", comments=comment(1))))
    output = run_import(
        write_export(export, item(1, content="New.", comments=comment(1) + comment(2)))
    )
    assert "Posts: 0 created, 1 updated" in output
    assert post("post-1").body_html == "<p>New.</p>"
    assert Comment.objects.count() == 2


def test_a_slug_taken_by_a_post_written_here_gets_a_suffix(tmp_path):
    PostFactory(title="Mine", slug="post-1")
    run_import(write_export(tmp_path / "e.xml", item(1)))
    assert Post.objects.get(wordpress_origin__wp_id=1).slug == "post-1-2"


def test_a_slug_reserved_for_another_page_gets_a_suffix(tmp_path):
    run_import(write_export(tmp_path / "e.xml", item(1, slug="feed")))
    assert Post.objects.get(wordpress_origin__wp_id=1).slug == "feed-2"


# Bad input: one line, nothing half-imported


def assert_refused(path, *fragments) -> str:
    with pytest.raises(CommandError) as error:
        run_import(path)
    message = str(error.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    assert not Post.objects.exists() and not get_user_model().objects.exists()
    return message


def test_a_file_that_is_not_wxr_is_refused(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>Hi</body></html>")
    assert_refused(page, "not a WordPress export (WXR)", "<html>")
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>x</title><item><title>a</title></item></channel></rss>'
    )
    assert_refused(feed, "not a WordPress export (WXR)", "wxr_version")


def test_malformed_xml_is_refused_with_its_position(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(SAMPLE.read_text().replace("<wp:post_id>6</wp:post_id>", "<wp:post_id>6<"))
    assert_refused(bad, "malformed XML at line", "column")


def test_a_truncated_file_is_refused_and_nothing_before_the_cut_is_kept(tmp_path):
    text = SAMPLE.read_text()
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("<title><![CDATA[Why I Stopped")])
    assert_refused(cut, "truncated")
    assert not Comment.objects.exists()


def test_an_entity_expansion_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        "<rss><channel><title>&c;</title></channel></rss>"
    )
    assert_refused(bomb, "entities", "refused")


def test_empty_compressed_and_missing_files_are_refused(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text("")
    assert_refused(empty, "empty")
    packed = tmp_path / "export.xml.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert_refused(packed, "compressed")
    assert_refused(tmp_path / "nowhere.xml", "no such file")


def test_a_missing_media_dir_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a directory"):
        run_import(SAMPLE, "--media-dir", tmp_path / "nope")


def test_a_failure_midway_rolls_back_everything_and_deletes_copied_files(
    uploads, settings, monkeypatch
):
    from wordpress_import import importer

    def fail_on_the_second_post(self, post, item, original=importer.Importer.save_post):
        if item.wp_id == 6:
            raise RuntimeError("disk full")
        return original(self, post, item)

    monkeypatch.setattr(importer.Importer, "save_post", fail_on_the_second_post)
    with pytest.raises(CommandError) as error:
        run_import(SAMPLE, "--media-dir", uploads)
    assert str(error.value).endswith(
        "import stopped at https://trail.example/2024/02/03/shoe-review-500km "
        "(RuntimeError: disk full); nothing was saved"
    )
    assert not Post.objects.exists() and not Comment.objects.exists()
    left = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert not left, "the copies, the cover and every rendition are deleted"


def test_reading_a_large_export_keeps_memory_bounded(tmp_path):
    body = "Words and more words. " * 200  # ~4 kB a post
    export = write_export(tmp_path / "big.xml", *(item(n, content=body) for n in range(1, 1501)))
    assert export.stat().st_size > 6_000_000
    tracemalloc.start()
    count = sum(isinstance(thing, Item) for thing in WxrReader(export))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 1500
    assert peak < 2_000_000  # a whole tree of this file would take far more


def test_the_reader_reports_its_progress_in_bytes():
    read = []
    list(WxrReader(SAMPLE, on_read=read.append))
    assert sum(read) == SAMPLE.stat().st_size
