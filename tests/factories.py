from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Page, Post
from comments import counts
from comments.models import Comment
from images.models import Image

USER_PASSWORD = "correct horse battery staple"  # every UserFactory user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(USER_PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """UserFactory(groups=["Editors"]) joins groups the migrations created."""
        if create and extracted:
            from django.contrib.auth.models import Group

            self.groups.add(*(Group.objects.get(name=name) for name in extracted))


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post number {n}")
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("paragraph", nb_sentences=8)
    status = Post.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class ImageFactory(factory.django.DjangoModelFactory):
    """A library image: saving it stores the file and makes its renditions, as an upload does."""

    class Meta:
        model = Image

    file = factory.django.ImageField(
        filename="harbour.jpg", width=1600, height=900, format="JPEG", color="navy"
    )
    alt = "Boats in a harbour at dusk"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comments.Comment"

    parent = None
    # A reply belongs to its parent's post.
    post = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.post"),
        no_declaration=factory.SubFactory(PostFactory),
    )
    author_name = factory.Faker("name")
    author_email = factory.Faker("email")
    body = factory.Faker("paragraph", nb_sentences=3)
    status = "pending"

    class Params:
        pending = factory.Trait(status="pending")
        approved = factory.Trait(status="approved")
        spam = factory.Trait(status="spam", moderation_reasons=["honeypot"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved, then its post recounted, as comments.services does for a real comment."""
        comment = super()._create(model_class, *args, **kwargs)
        counts.recount([comment.post_id])
        return comment


def _form_shown_a_minute_ago(data) -> str:
    import time

    from comments.forms import sign_form_time

    if data.post is None:
        raise TypeError("CommentFormDataFactory(post=...): a form's stamp is for one post")
    return sign_form_time(data.post.pk, time.time() - 60)


class CommentFormDataFactory(factory.DictFactory):
    """What a person's browser posts to comments:submit on `post`'s page, the form having been
    open a minute (its stamp is for that post and good for one accepted comment)."""

    class Params:
        post = None

    author_name = factory.Faker("name")
    author_email = factory.Faker("email")
    author_url = ""
    body = factory.Sequence(lambda n: f"Comment number {n}: thank you for this post.")
    honeypot = ""
    stamp = factory.LazyAttribute(_form_shown_a_minute_ago)


def bulk_pending_comments(post, count: int) -> None:
    """`count` pending comments on `post` in a few INSERTs, for queue-size and speed checks."""
    now = timezone.now()
    # bulk_create skips Comment.save(), which is what renders body_html: set it here.
    Comment.objects.bulk_create(
        [
            Comment(
                post=post,
                author_name=f"Reader {i}",
                author_email=f"reader{i}@example.com",
                body="Thanks!",
                body_html="<p>Thanks!</p>",
                created=now - timedelta(seconds=i),
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    counts.recount([post.pk])


def post_admin_form(post=None, *, links=(), extra_links=(), **overrides) -> dict:
    """What the post admin's form sends: the add form's (no `post`) or `post`'s change form's.

    The share-link inline holds `links` (existing links: dicts of field values with "id") and
    `extra_links` (new rows); `overrides` replace or add fields (`_action`, `author`...).
    """
    rows = [*links, *extra_links]
    publish_at = post.publish_at if post else None
    data = {
        "title": post.title if post else "Notes on gardening",
        "slug": post.slug if post else "notes-on-gardening",
        "body": post.body if post else "Water the *tomatoes*.",
        "summary": post.summary if post else "",
        "cover_image_alt": "",
        "tags": "",
        "comments_enabled": "on",
        "status": post.status if post else Post.Status.DRAFT,
        "publish_at_0": f"{publish_at:%Y-%m-%d}" if publish_at else "",
        "publish_at_1": f"{publish_at:%H:%M:%S}" if publish_at else "",
        "preview_links-TOTAL_FORMS": str(len(rows)),
        "preview_links-INITIAL_FORMS": str(len(links)),
        "preview_links-MIN_NUM_FORMS": "0",
        "preview_links-MAX_NUM_FORMS": "1000",
    }
    if post:
        data["author"] = post.author_id
    for i, row in enumerate(rows):
        for name, value in {"post": post.pk, **row}.items():
            data[f"preview_links-{i}-{name}"] = value
    return {**data, **overrides}


def edit_in_admin(client, obj, **changes):
    """Post `obj`'s admin change form with these fields changed, as a person saving it would."""
    from django.forms.models import model_to_dict
    from django.urls import reverse

    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    data = {k: "" if v is None else v for k, v in model_to_dict(obj).items()}
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    body = factory.Faker("paragraph", nb_sentences=4)
    status = Page.Status.PUBLISHED
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        # The page form has no tags, but a row could carry some: the leak tests give it some.
        if create and extracted:
            self.tags.add(*extracted)
