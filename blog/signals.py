"""What posts show changed: a new generation of POSTS. One scope for all posts, as posts change
rarely and working out which pages name one would cost more than rebuilding them."""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from blog import generations
from blog.models import Page, Post, SiteSettings


def posts_changed(sender, using="default", **kwargs):
    generations.bump(generations.POSTS, using=using)


def post_tags_changed(sender, instance, action, using="default", **kwargs):
    if isinstance(instance, Post) and action in {"post_add", "post_remove", "post_clear"}:
        generations.bump(generations.POSTS, using=using)


def author_changed(sender, instance, created=False, update_fields=None, using="default", **kwargs):
    """Authors' names show on posts; logging in (which only writes last_login) changes none."""
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    if Post.objects.using(using).filter(author=instance).exists():
        generations.bump(generations.POSTS, using=using)


def connect():
    for model in (Post, Tag, SiteSettings, Page):
        post_save.connect(posts_changed, sender=model, dispatch_uid=f"blog.purge.save.{model}")
        post_delete.connect(posts_changed, sender=model, dispatch_uid=f"blog.purge.del.{model}")
    m2m_changed.connect(post_tags_changed, sender=TaggedItem, dispatch_uid="blog.purge.tags")
    post_save.connect(
        author_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="blog.purge.author"
    )
