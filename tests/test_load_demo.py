from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from taggit.models import Tag, TaggedItem

from blog.models import Page, Post
from comments import spam
from comments.models import Comment, ModerationSettings
from core.management.commands import load_demo

pytestmark = pytest.mark.django_db

SEED_SLUG = "how-magnesium-glycinate-helps-migraines-the-optimal-400mg-dose"
ACCOUNTS = ["admin", "editor", "author", "moderator"]


def run_load_demo(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    """{username: password} from lines like "  editor / s3cret  (new account; ...)"."""
    passwords = {}
    for line in output.splitlines():
        username, separator, rest = line.strip().partition(" / ")
        if separator and username in ACCOUNTS:
            passwords[username] = rest.split()[0]
    return passwords


def snapshot() -> dict:
    User = get_user_model()
    return {
        "users": list(User.objects.order_by("pk").values_list("username", "password")),
        "groups": sorted(Group.objects.values_list("name", "user__username")),
        "posts": list(Post.objects.order_by("pk").values_list("slug", "updated")),
        "pages": list(Page.objects.order_by("pk").values_list("slug", "updated")),
        "tags": Tag.objects.count(),
        "tagged": TaggedItem.objects.count(),
    }


def test_load_demo_creates_the_accounts_and_prints_each_password_once():
    output = run_load_demo()
    passwords = printed_passwords(output)
    assert sorted(passwords) == sorted(ACCOUNTS)
    assert len(set(passwords.values())) == 4
    User = get_user_model()
    for username, password in passwords.items():
        user = User.objects.get(username=username)
        assert user.is_staff and user.check_password(password)
    assert User.objects.get(username="admin").is_superuser
    assert "http://127.0.0.1:8000/admin/" in output


@pytest.mark.parametrize(
    ("username", "group"),
    [("editor", "Editors"), ("author", "Authors"), ("moderator", "Moderators")],
)
def test_each_demo_staff_account_is_in_its_role_group(username, group):
    run_load_demo()
    user = get_user_model().objects.get(username=username)
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert not user.is_superuser


def test_running_load_demo_twice_changes_nothing_and_prints_no_password():
    run_load_demo()
    before = snapshot()
    second = run_load_demo()
    assert snapshot() == before
    assert printed_passwords(second) == {}
    for username in ACCOUNTS:
        assert f"{username}: already exists" in second
        assert f"manage.py changepassword {username}" in second


def test_load_demo_prints_the_passwords_last_after_a_short_import_summary():
    lines = run_load_demo().splitlines()
    assert len(lines) <= 8, lines
    assert lines[0] == "Demo posts from blog/demo/: Done, 5 files: 5 created."
    assert not any(SEED_SLUG in line for line in lines)
    login = lines.index("Log in at http://127.0.0.1:8000/admin/")
    assert sorted(printed_passwords("\n".join(lines[login + 1 :]))) == sorted(ACCOUNTS)
    assert len(lines) == login + 1 + len(ACCOUNTS)


def test_load_demo_lists_each_imported_file_with_verbosity_2():
    output = run_load_demo(verbosity=2)
    assert f"created /blog/{SEED_SLUG}/" in output
    assert output.splitlines()[-len(ACCOUNTS) - 1] == "Log in at http://127.0.0.1:8000/admin/"


def test_load_demo_imports_the_seed_through_import_posts(client):
    run_load_demo()
    seed = Post.objects.get(slug=SEED_SLUG)
    assert seed.author.username == "admin"
    assert seed.is_published
    assert client.get(seed.get_absolute_url()).status_code == 200


def test_demo_markdown_posts_have_tags_and_show_a_draft_and_a_scheduled_post():
    run_load_demo()
    demo_posts = Post.objects.posts().exclude(slug=SEED_SLUG)
    assert demo_posts.count() >= 3
    for post in demo_posts:
        assert post.tags.exists(), post.slug
    statuses = {post.slug: post.status for post in demo_posts}
    assert statuses["magnesium-rich-foods-to-add-to-your-plate"] == Post.Status.DRAFT
    vitamin_d = demo_posts.get(slug="vitamin-d-in-winter")
    assert vitamin_d.status == Post.Status.PUBLISHED
    assert vitamin_d.publish_at.year == 2030  # scheduled; readers see it from then on
    assert {post.author.username for post in demo_posts} == {"editor", "author"}


def test_demo_content_ships_with_the_product():
    demo_dir = Path(settings.BASE_DIR) / "blog" / "demo"
    assert demo_dir == load_demo.DEMO_DIR
    assert load_demo.SEED_FILE.parent == demo_dir and load_demo.SEED_FILE.is_file()


def test_load_demo_puts_pending_comments_in_the_moderation_queue():
    run_load_demo()
    seed = Post.objects.get(slug=SEED_SLUG)
    assert Comment.objects.pending().filter(post=seed).count() == 2
    assert seed.approved_comment_count == Comment.objects.approved().filter(post=seed).count() == 3
    assert Comment.objects.spam().filter(post=seed).count() == 1


def test_demo_comments_are_not_added_twice():
    run_load_demo()
    run_load_demo()
    assert Comment.objects.count() == 6


def test_existing_admin_keeps_its_password():
    User = get_user_model()
    User.objects.create_superuser("admin", "admin@example.com", "a long chosen password")
    output = run_load_demo()
    assert "admin" not in printed_passwords(output)
    assert User.objects.get(username="admin").check_password("a long chosen password")


def test_demo_comments_reasons_are_what_the_spam_checks_give_under_the_demo_settings():
    run_load_demo()
    rules = ModerationSettings.load()

    explained = Comment.objects.exclude(moderation_reasons=[])
    assert {c.status for c in explained} == {Comment.Status.SPAM, Comment.Status.PENDING}
    for comment in explained:
        verdict = spam.check_comment(comment=comment, rules=rules, honeypot="")
        assert (verdict.status, verdict.reasons) == (comment.status, comment.moderation_reasons)


def test_the_demo_has_an_about_and_a_privacy_page_in_the_navigation(client):
    run_load_demo()
    run_load_demo()
    assert list(Page.objects.in_navigation().values_list("slug", flat=True)) == [
        "about",
        "privacy",
    ]
    privacy = client.get("/privacy/").content.decode()
    for kept in ["name", "e-mail address", "IP", "browser string", "moderat", "30 days"]:
        assert kept in privacy
