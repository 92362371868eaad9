"""Every list filter of every admin list answers any value with a page, never a server error.

A value no filter offers (a huge number, text where an id goes, an address that is no IP) is
either no match (200), sent back to the unfiltered list with Django's "?e=1" (302), or refused
(400). Run on SQLite and PostgreSQL (`make test-postgres`): each database fails differently.
"""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CommentFactory, PostFactory, UserFactory

PAGE = {200, 302, 400}
HOSTILE_VALUES = [
    "100000000000000000000",
    "-100000000000000000000",
    str(2**63),
    str(-(2**63) - 1),
    "1e999",
    "1.5",
    "-1",
    "0",
    "notanip",
    "999.1.1.1",
    "::gggg",
    "x",
    "",
    "\x00",
    "a\x00b",
    "99999-99-99",
    "0000-00-00 00:00:00",
    "'; select 1; --",
    "\u202e\u2028",
    "a" * 5000,
]


@pytest.fixture
def superuser(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    # Two of each value, so that every filter shows (a filter of one choice is hidden).
    for tag in ("kale", "leeks"):
        post = PostFactory(tags=[tag])
        CommentFactory(post=post, approved=True, moderated_by=user, ip_address="192.0.2.1")
    return user


def changelists_and_parameters(user) -> list[tuple[str, str]]:
    """(changelist URL, query parameter) for every filter of every registered admin list: its
    list filters, date hierarchy and the query-string filters it allows (lookup_allowed)."""
    pairs = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        request = RequestFactory().get(url)
        request.user = user
        if not model_admin.has_view_or_change_permission(request):
            continue
        changelist = model_admin.get_changelist_instance(request)
        parameters = [p for spec in changelist.filter_specs for p in spec.expected_parameters()]
        if model_admin.date_hierarchy:
            parameters += [
                f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")
            ]
        parameters += list(getattr(model_admin, "FILTER_LINKS", ()))
        pairs += [(url, parameter) for parameter in dict.fromkeys(parameters)]
    return pairs


@pytest.fixture
def filters(superuser):
    return changelists_and_parameters(superuser)


def test_the_filters_found_include_those_that_failed(filters):
    found = {parameter for _, parameter in filters}
    assert {"post", "moderator", "tags__id__exact", "ip_address", "author__id__exact"} <= found


def test_every_filter_answers_hostile_values_with_a_page(superuser, filters):
    client = Client(raise_request_exception=False)  # a 500 is listed, not raised
    client.force_login(superuser)
    failures = []
    for url, parameter in filters:
        for value in HOSTILE_VALUES:
            status = client.get(url, {parameter: value}).status_code
            if status not in PAGE:
                failures.append(f"{url}?{parameter}={value[:30]!r}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_filter_answers_any_value_with_a_page(client, superuser, filters, data):
    client.force_login(superuser)
    url, parameter = data.draw(st.sampled_from(filters))
    value = data.draw(
        st.one_of(
            st.integers().map(str),
            st.text(),
            st.ip_addresses().map(str),
            st.dates().map(str),
            st.sampled_from(HOSTILE_VALUES),
        )
    )
    assert client.get(url, {parameter: value}).status_code in PAGE
