from datetime import datetime
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from blog.importing import parse_scraped_text
from blog.models import Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "blog" / "demo" / "magnesium-glycinate-migraines.txt"
SEED_TITLE = "How Magnesium Glycinate Helps Migraines: The Optimal 400mg Dose"
SEED_SLUG = "how-magnesium-glycinate-helps-migraines-the-optimal-400mg-dose"
SEED_HEADINGS = [
    "What is Magnesium Glycinate and Why is it Effective for Migraines?",
    "The Optimal Dose: Why 400mg is the Magic Number",
    "How Magnesium Works to Reduce Migraine Pain",
    "Conclusion",
]
CHROME = [
    "Back to blog",
    "Leave a comment",
    "Please note, comments need to be approved before they are published.",
]


class PostPage(HTMLParser):
    """The page's h1 texts, and the (tag, text) blocks inside its <div class="post-body">."""

    BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "blockquote", "pre"}

    def __init__(self, html: str):
        super().__init__()
        self.h1 = []
        self.body = []
        self._body_depth = 0  # open divs since <div class="post-body">; 0 means outside it
        self._block = None  # (tag, inside post body, text parts)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "div" and (self._body_depth or "post-body" in (dict(attrs).get("class") or "")):
            self._body_depth += 1
        if tag in self.BLOCKS and self._block is None:
            self._block = (tag, self._body_depth > 0, [])

    def handle_endtag(self, tag):
        if self._block and tag == self._block[0]:
            name, in_body, parts = self._block
            text = " ".join("".join(parts).split())
            if name == "h1":
                self.h1.append(text)
            if in_body:
                self.body.append((name, text))
            self._block = None
        if tag == "div" and self._body_depth:
            self._body_depth -= 1

    def handle_data(self, data):
        if self._block:
            self._block[2].append(data)

    def body_text(self, tag: str) -> list[str]:
        return [text for name, text in self.body if name == tag]


@pytest.fixture
def superuser():
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


def run_import(*paths, **options):
    """Run import_posts; returns (stdout, stderr lines, CommandError message or None)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_posts", *map(str, paths), stdout=out, stderr=err, **options)
        failure = None
    except CommandError as exc:
        failure = str(exc)
    return out.getvalue(), err.getvalue().splitlines(), failure


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def post_page(client, slug: str) -> PostPage:
    response = client.get(reverse("blog:post_detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    return PostPage(response.content.decode())


def test_seed_import_has_exactly_one_h1_and_the_four_section_headings(superuser, client):
    run_import(SEED)
    page = post_page(client, SEED_SLUG)
    assert page.h1 == [SEED_TITLE]
    assert page.body_text("h2") == SEED_HEADINGS
    assert not page.body_text("h1") and not page.body_text("h3")


def test_seed_post_body_has_no_page_chrome_and_no_repeated_title(superuser, client):
    run_import(SEED)
    page = post_page(client, SEED_SLUG)
    body_texts = [text for _, text in page.body]
    assert len(page.body_text("p")) == 6
    assert SEED_TITLE not in body_texts
    for chrome in CHROME:
        assert not any(chrome in text for text in body_texts), chrome
    assert page.body_text("p")[-1].endswith("may be right for you.")


def test_seed_import_is_published_now_and_written_by_the_first_superuser(superuser):
    UserFactory(username="later-admin", is_superuser=True)
    run_import(SEED)
    post = Post.objects.get(slug=SEED_SLUG)
    assert post.title == SEED_TITLE
    assert post.author == superuser
    assert list(Post.objects.published()) == [post]
    assert post.summary.startswith("Migraines can be debilitating")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Is Magnesium Safe?", "heading"),
        ("Conclusion", "heading"),
        ("Magnesium is a mineral.", "paragraph"),
        ("Here is what we found:", "paragraph"),
        ("Take it with food, not on an empty stomach, and drink plenty of water", "heading"),
        ("A long line without a full stop " + "that keeps going " * 6, "paragraph"),
        ('She said "take it slowly."', "paragraph"),
    ],
)
def test_scraped_line_is_a_heading_only_when_short_and_without_sentence_punctuation(line, kind):
    body = parse_scraped_text(f"Title\n\nIntro.\n\n{line}\n\nMore text follows.").body
    blocks = body.split("\n\n")
    assert blocks[1].startswith("## ") is (kind == "heading")


def test_scraped_heading_must_stand_alone_and_be_followed_by_text():
    text = "Title\n\nShort wrapped line\nthat continues here.\n\nIntro.\n\nA sign-off"
    assert parse_scraped_text(text).body == (
        "Short wrapped line that continues here.\n\nIntro.\n\nA sign-off"
    )


def test_scraped_lists_and_markdown_characters_come_out_as_written(superuser, client, tmp_path):
    text = "Dosing notes\n\nTips\n\n- Take *one* tablet\n- Use snake_case names\n\n# not a heading."
    run_import(write(tmp_path, "notes.txt", text))
    page = post_page(client, "dosing-notes")
    assert page.body_text("h2") == ["Tips"]
    assert page.body_text("li") == ["Take *one* tablet", "Use snake_case names"]
    assert page.body_text("p") == ["# not a heading."]


def test_reimporting_a_changed_file_updates_the_post_instead_of_duplicating(superuser, tmp_path):
    path = write(tmp_path, "water.md", "# Drink water\n\nFirst version.")
    run_import(path)
    write(tmp_path, "water.md", "# Drink water\n\nSecond version, with more detail.")
    out, errors, failure = run_import(path)
    assert (errors, failure) == ([], None)
    assert "updated /blog/drink-water/" in out
    post = Post.objects.get()
    assert post.body == "Second version, with more detail."
    assert "Second version" in post.body_html


def test_reimporting_an_unchanged_file_leaves_the_post_untouched(superuser, tmp_path):
    path = write(tmp_path, "water.md", "---\ntags: [hydration]\n---\n# Drink water\n\nText.")
    run_import(path)
    before = Post.objects.get().updated
    out, _, _ = run_import(path)
    assert "unchanged /blog/drink-water/" in out
    assert Post.objects.get().updated == before


def test_front_matter_sets_slug_tags_status_date_author_and_summary(superuser, tmp_path):
    author = UserFactory(username="ana")
    write(
        tmp_path,
        "sleep.md",
        "---\n"
        "title: Sleep in on Sundays?\n"
        "slug: sunday-sleep\n"
        "date: 2025-03-01 09:30\n"
        "tags: [sleep, habits]\n"
        "status: draft\n"
        "author: ana\n"
        "summary: Short answer, no.\n"
        "---\n"
        "Keep the same wake-up time every day.\n",
    )
    run_import(tmp_path)
    post = Post.objects.get()
    assert (post.slug, post.title, post.status) == ("sunday-sleep", "Sleep in on Sundays?", "draft")
    assert post.publish_at == timezone.make_aware(datetime(2025, 3, 1, 9, 30))
    assert sorted(post.tags.names()) == ["habits", "sleep"]
    assert post.author == author
    assert post.summary == "Short answer, no."
    assert post.body == "Keep the same wake-up time every day."


def test_front_matter_future_date_schedules_a_published_post(superuser, tmp_path):
    write(tmp_path, "soon.md", "---\ntitle: Soon\ndate: 2999-01-01\ntags: a, b\n---\nText.")
    run_import(tmp_path)
    post = Post.objects.get()
    assert post.is_scheduled
    assert not Post.objects.published().exists()
    assert sorted(post.tags.names()) == ["a", "b"]


def test_markdown_title_comes_from_a_leading_heading_which_leaves_the_body(superuser, tmp_path):
    write(
        tmp_path, "tea.markdown", "# Green Tea Basics\n\nBrew it at 80 °C.\n\n## Caffeine\n\nSome."
    )
    run_import(tmp_path)
    post = Post.objects.get(slug="green-tea-basics")
    assert post.title == "Green Tea Basics"
    assert post.body.startswith("Brew it at 80 °C.")
    assert post.status == Post.Status.PUBLISHED


def test_bad_files_get_one_line_each_and_the_other_files_still_import(superuser, tmp_path):
    good = write(tmp_path, "good.md", "# Good post\n\nFine.")
    empty = write(tmp_path, "empty.md", "  \n")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    latin1 = tmp_path / "cafe.txt"
    latin1.write_bytes("Café au lait\n\nCrème brûlée.".encode("latin-1"))
    missing = tmp_path / "missing.md"
    also_good = write(tmp_path, "also-good.txt", "Also good\n\nFine too.")

    out, errors, failure = run_import(good, empty, binary, latin1, missing, also_good)

    assert failure is not None and failure.startswith("4 of 6 files failed")
    assert len(errors) == 4
    reasons = {empty: "empty", binary: "NUL bytes", latin1: "not UTF-8", missing: "no such file"}
    for path, reason in reasons.items():
        [line] = [line for line in errors if str(path) in line]
        assert reason in line
    assert set(Post.objects.values_list("slug", flat=True)) == {"good-post", "also-good"}


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: [unclosed", "not valid YAML"),
        ("date: 2025-02-30", "impossible value"),
        ("date: next tuesday", "not a date"),
        ("status: maybe", "status must be one of draft, review, published"),
        ("author: nobody", "'nobody' has no account"),
        ("title: " + "very long title " * 20, "at most 200 characters"),
    ],
)
def test_unusable_front_matter_fails_that_file_with_the_reason(
    superuser, tmp_path, front_matter, reason
):
    path = write(tmp_path, "post.md", f"---\n{front_matter}\n---\n# Title\n\nText.")
    _, errors, failure = run_import(path)
    assert failure.startswith("1 of 1 files failed")
    assert len(errors) == 1
    assert str(path) in errors[0] and reason in errors[0]
    assert not Post.objects.exists()


def test_directory_is_expanded_to_its_markdown_and_text_files(superuser, tmp_path):
    write(tmp_path, "a.md", "# A\n\nText.")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "b.markdown", "# B\n\nText.")
    write(tmp_path / "nested", "c.txt", "C\n\nText.")
    write(tmp_path, "notes.pdf", "not a post")
    write(tmp_path, ".d.md.swp", "# Swap file\n\nText.")
    out, errors, failure = run_import(tmp_path)
    assert (errors, failure) == ([], None)
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["a", "b", "c"]


def test_progress_shows_a_counter_and_result_for_each_file(superuser, tmp_path):
    for n in range(1, 12):
        write(tmp_path, f"post-{n:02}.md", f"# Post {n}\n\nText {n}.")
    out, _, _ = run_import(tmp_path)
    lines = out.splitlines()
    assert lines[0] == f"[ 1/11] {tmp_path / 'post-01.md'}: created /blog/post-1/"
    assert lines[10] == f"[11/11] {tmp_path / 'post-11.md'}: created /blog/post-11/"
    assert lines[11] == "Done, 11 files: 11 created."


def test_author_option_applies_to_files_that_name_no_author(superuser, tmp_path):
    writer = UserFactory(username="writer")
    write(tmp_path, "a.txt", "Plain\n\nText.")
    run_import(tmp_path, author="writer")
    assert Post.objects.get().author == writer


def test_reimport_without_author_keeps_the_posts_author(superuser, tmp_path):
    writer = UserFactory(username="writer")
    path = write(tmp_path, "a.txt", "Plain\n\nText.")
    run_import(path, author="writer")
    write(tmp_path, "a.txt", "Plain\n\nNew text.")
    run_import(path)
    assert Post.objects.get().author == writer


def test_unknown_author_option_stops_before_importing_anything(superuser, tmp_path):
    write(tmp_path, "a.txt", "Plain\n\nText.")
    with pytest.raises(CommandError, match="--author 'ghost'"):
        call_command("import_posts", str(tmp_path), author="ghost", stdout=StringIO())
    assert not Post.objects.exists()


def test_without_any_superuser_or_author_the_file_is_reported(tmp_path):
    path = write(tmp_path, "a.txt", "Plain\n\nText.")
    _, errors, failure = run_import(path)
    assert failure is not None
    assert errors == [
        f"[1/1] {path}: not imported: no author: add 'author:' to the front "
        "matter, pass --author, or create a superuser"
    ]
