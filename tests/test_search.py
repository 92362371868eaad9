"""Search at /blog/search/?q=: full-text on PostgreSQL, substring matching on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse

from blog import site
from blog.models import Post
from tests.factories import PageFactory, PostFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def search(client, q, **params):
    response = client.get(reverse("blog:search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def titles(response) -> list[str]:
    return [post.title for post, _ in response.context["results"]]


def test_search_finds_published_posts_only(client):
    PostFactory(title="Gardening with kale", body="Kale grows all winter.")
    PostFactory(title="Kale draft", body="Kale in the greenhouse.", draft=True)
    PostFactory(title="Kale tomorrow", body="Kale soup.", scheduled=True)
    PostFactory(title="About tomatoes", body="Tomatoes need sun.")
    PageFactory(title="Our kale policy", body="Kale for everyone.", in_navigation=False)
    response = search(client, "kale")
    assert titles(response) == ["Gardening with kale"]
    assert b"Our kale policy" not in response.content
    assert b"Kale draft" not in response.content
    assert b"Kale tomorrow" not in response.content


def test_search_matches_the_body_and_summary_too(client):
    PostFactory(title="Winter", body="Nothing grows but kale.", summary="Cold months.")
    PostFactory(title="Summer", body="Heat.", summary="Tomatoes and basil.")
    assert titles(search(client, "kale")) == ["Winter"]
    assert titles(search(client, "basil")) == ["Summer"]


def test_every_word_must_match(client):
    PostFactory(title="Kale and leeks", body="Two winter vegetables.")
    PostFactory(title="Kale alone", body="One winter vegetable.")
    assert titles(search(client, "kale leeks")) == ["Kale and leeks"]


def test_results_show_the_matched_words_highlighted(client):
    PostFactory(title="Winter", summary="Kale grows all winter.", body="Kale grows all winter.")
    response = search(client, "kale")
    [(_, snippet)] = response.context["results"]
    assert "<mark>Kale</mark>" in snippet
    assert b"<mark>Kale</mark>" in response.content


def test_snippet_shows_markup_in_a_post_as_text(client):
    PostFactory(
        title="Escaping",
        summary="Kale <img src=x onerror=alert(1)> kale",
        body="Kale <img src=x onerror=alert(1)> kale",
    )
    response = search(client, "kale")
    assert b"<img src=x" not in response.content
    assert b"&lt;img src=x onerror=alert(1)&gt;" in response.content


def test_empty_search_shows_the_form_and_no_results_without_querying(
    client, django_assert_num_queries
):
    PostFactory(title="Anything")
    site.shared_parts()  # every page's header and footer, built once (test_site_footer)
    with django_assert_num_queries(0):
        response = search(client, "")
    assert response.context["results"] == []
    assert b'id="search-page-q"' in response.content
    assert b"found for" not in response.content


def test_a_10000_character_query_gets_a_form_error_not_a_500(client):
    PostFactory(title="Anything")
    response = search(client, "kale " * 2000)
    assert response.context["results"] == []
    assert b"at most 200 characters" in response.content
    assert b'aria-invalid="true"' in response.content


@pytest.mark.parametrize(
    "q",
    [
        '"unclosed quote',
        "back\\slash \\\\",
        "kale's & <b>",
        "100% _under_",
        "!!! ((( ))) | & : * - ~",
        "OR AND NOT -",
        "'; DROP TABLE blog_post; --",
        "ünïcödé 漢字 🥬",
    ],
)
def test_odd_punctuation_is_searched_harmlessly(client, q):
    PostFactory(title="Kale's & <b> 100% sure", body="kale")
    response = search(client, q)
    assert response.context["terms"] == q.strip()


def test_percent_and_underscore_are_not_wildcards(client):
    PostFactory(title="Kale")
    assert titles(search(client, "%")) == []
    assert titles(search(client, "_")) == []


def test_results_are_paginated_keeping_the_query(client):
    for i in range(12):
        PostFactory(title=f"Kale recipe {i}", body="kale")
    first = search(client, "kale")
    assert len(first.context["results"]) == 10
    assert b'href="?q=kale&amp;page=2"' in first.content
    second = search(client, "kale", page=2)
    assert len(second.context["results"]) == 2
    assert client.get(reverse("blog:search"), {"q": "kale", "page": 9}).status_code == 404


def test_search_page_is_not_indexed_and_the_header_form_is_on_every_page(client):
    post = PostFactory()
    response = search(client, "kale")
    assert b'<meta name="robots" content="noindex, follow">' in response.content
    for url in ["/", post.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert f'action="{reverse("blog:search")}" method="get"' in html
        assert '<label class="visually-hidden" for="site-search-q">Search posts</label>' in html


@on_postgres
def test_postgres_search_ranks_title_matches_first(client):
    PostFactory(title="Vegetables", body="Kale, kale and more kale.")
    PostFactory(title="Kale", body="A leafy green.")
    assert titles(search(client, "kale")) == ["Kale", "Vegetables"]


@on_postgres
def test_postgres_search_matches_word_forms(client):
    PostFactory(title="Notes", body="She was running to the gardens.")
    assert titles(search(client, "run garden")) == ["Notes"]


@on_postgres
def test_postgres_search_understands_web_search_syntax(client):
    PostFactory(title="Green kale", body="green kale")
    PostFactory(title="Red kale", body="red kale")
    assert titles(search(client, "kale -red")) == ["Green kale"]
    assert sorted(titles(search(client, "green or red"))) == ["Green kale", "Red kale"]
    assert titles(search(client, '"red kale"')) == ["Red kale"]


@on_postgres
def test_postgres_snippet_comes_from_the_body(client):
    PostFactory(title="Notes", summary="Short.", body="In winter the kale stays green.")
    [(_, snippet)] = search(client, "kale").context["results"]
    assert "winter the <mark>kale</mark> stays green" in snippet
    assert "Short." not in snippet


@on_postgres
def test_postgres_search_reads_the_stored_document_and_computes_none_per_post(client):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    PostFactory(title="Kale", body="Kale grows all winter.")
    with CaptureQueriesContext(db) as queries:
        assert titles(search(client, "kale")) == ["Kale"]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "search_vector" in sql
    assert "to_tsvector" not in sql  # the document is stored, not rebuilt for every post


@on_postgres
def test_postgres_search_finds_posts_added_by_generate_fake(client):
    import io

    from django.core.management import call_command

    call_command("generate_fake", posts=5, comments=0, stdout=io.StringIO(), stderr=io.StringIO())
    post = Post.objects.published().first()
    word = post.title.split()[0]
    assert post.title in titles(search(client, word))
    assert not Post.objects.filter(search_vector__isnull=True).exists()


on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 search")


@on_sqlite
@pytest.mark.parametrize(
    "q",
    [
        '"kale',
        'kale"',
        '"kale" "',
        "kale NEAR leeks",
        "NEAR(kale leeks)",
        "kale*",
        "*kale",
        "-kale",
        "kale -",
        "title:kale",
        "body : kale",
        "^kale",
        "kale AND",
        "(kale",
        "kale OR",
        "NOT kale",
        "{title body}: kale",
    ],
)
def test_fts5_syntax_in_a_query_is_searched_as_words(client, q):
    PostFactory(title="Kale and leeks", body="Not near the title or the body.")
    PostFactory(title="Tomatoes", body="Summer.")
    assert titles(search(client, q)) == ["Kale and leeks"]


@on_sqlite
def test_fts5_operators_typed_as_words_are_words_to_find(client):
    PostFactory(title="Kale", body="Kale alone.")
    PostFactory(title="Near and not", body="Kale or not.")
    assert titles(search(client, "kale NOT")) == ["Near and not"]
    assert titles(search(client, "NEAR kale")) == ["Near and not"]
    assert titles(search(client, "kale OR")) == ["Near and not"]


@on_sqlite
def test_fts5_search_finds_words_by_their_beginning_and_ignores_case_and_accents(client):
    PostFactory(title="Crème brûlée", body="Grows in Zürich. 漢字 kale")
    assert titles(search(client, "creme BRULEE")) == ["Crème brûlée"]
    assert titles(search(client, "grow zurich")) == ["Crème brûlée"]
    assert titles(search(client, "ünïcödé")) == []
    assert titles(search(client, "漢字")) == ["Crème brûlée"]
    assert titles(search(client, "🥬 kale")) == ["Crème brûlée"]


def test_search_finds_posts_as_edited_by_save_update_and_delete(client):
    """The stored search document (PostgreSQL's search_vector, SQLite's FTS5 table) is kept by
    triggers, so it follows saves, queryset updates and deletes on either database."""
    post = PostFactory(title="Tomatoes", body="Red.", summary="Summer.")
    assert titles(search(client, "kale")) == []
    post.title = "Kale"
    post.save()
    assert titles(search(client, "kale")) == ["Kale"]
    Post.objects.filter(pk=post.pk).update(title="Leeks", body="Leeks in winter.")
    assert titles(search(client, "kale")) == []
    assert titles(search(client, "leeks")) == ["Leeks"]
    Post.objects.filter(pk=post.pk).update(summary="Basil and leeks.")
    assert titles(search(client, "basil")) == ["Leeks"]
    post.delete()
    assert titles(search(client, "leeks")) == []


@on_sqlite
def test_fts5_search_never_finds_unpublished_posts(client):
    PostFactory(title="Kale draft", body="Kale.", draft=True)
    PostFactory(title="Kale tomorrow", body="Kale.", scheduled=True)
    PostFactory(title="Kale in review", body="Kale.", status=Post.Status.REVIEW, publish_at=None)
    assert titles(search(client, "kale")) == []


@on_sqlite
def test_fts5_search_reads_the_index_not_the_posts_text(client):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    PostFactory(title="Kale", body="Kale grows all winter.")
    with CaptureQueriesContext(db) as queries:
        assert titles(search(client, "kale")) == ["Kale"]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "blog_post_fts MATCH" in sql
    assert "LIKE" not in sql


@on_sqlite
def test_fts5_search_finds_posts_added_by_generate_fake(client):
    import io

    from django.core.management import call_command

    call_command("generate_fake", posts=5, comments=0, stdout=io.StringIO(), stderr=io.StringIO())
    post = Post.objects.published().first()
    word = post.title.split()[0]
    assert post.title in titles(search(client, word))
