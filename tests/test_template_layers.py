"""The import contracts (pyproject.toml) say blog knows nothing of comments or the site app;
import-linter reads only Python, so this holds blog's templates to the same rule."""

import re
from pathlib import Path

from django.template.backends.django import get_installed_libraries

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Template names and tag libraries blog's templates may use: its own, the site's shared
# layout pieces, Django's and the third-party libraries blog itself depends on.
ALLOWED_TEMPLATES = re.compile(r"^(blog/|includes/|base\.html$)")
ABOVE_BLOG = ("comments", "core", "wordpress_import")

INCLUDED = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")
LOADED = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
URL_NAME = re.compile(r"{%\s*url\s+[\"']([^\"':]+):")


def blog_templates():
    return sorted((TEMPLATES / "blog").rglob("*.html"))


def tag_library_modules() -> dict[str, str]:
    """{library name: module}, for every tag library the installed apps offer."""
    return get_installed_libraries()


def test_blog_templates_include_only_blog_and_shared_templates():
    offending = {
        f"{path.relative_to(TEMPLATES)}: {name}"
        for path in blog_templates()
        for name in INCLUDED.findall(path.read_text())
        if not ALLOWED_TEMPLATES.match(name)
    }
    assert offending == set()


def test_blog_templates_load_no_tag_library_of_the_apps_above_blog():
    libraries = tag_library_modules()
    offending = {
        f"{path.relative_to(TEMPLATES)}: {library}"
        for path in blog_templates()
        for loaded in LOADED.findall(path.read_text())
        for library in loaded.split()
        if libraries[library].startswith(ABOVE_BLOG)
    }
    assert offending == set()


def test_blog_templates_link_to_no_url_of_the_apps_above_blog():
    offending = {
        f"{path.relative_to(TEMPLATES)}: {namespace}"
        for path in blog_templates()
        for namespace in URL_NAME.findall(path.read_text())
        if namespace in ABOVE_BLOG
    }
    assert offending == set()


def test_the_check_sees_a_comments_include():
    # The patterns above must catch what they are for, or the tests above cannot fail.
    sample = (
        '{% load moderation_tags %}{% include "comments/_section.html" %}'
        '{% url "comments:submit" 1 %}'
    )
    assert INCLUDED.findall(sample) == ["comments/_section.html"]
    assert tag_library_modules()[LOADED.findall(sample)[0]].startswith(ABOVE_BLOG)
    assert URL_NAME.findall(sample) == ["comments"]
