"""Cache purge (STYLE.md §6: a decoupled side effect). Comment writes that change a count purge
through comments.counts; these receivers cover what changes pages without changing a count."""

from django.db.models.signals import post_delete, post_save

from blog import generations
from comments import counts
from comments.models import Comment, ModerationSettings


def rules_changed(sender, using="default", **kwargs):
    """The moderation settings decide whether comments are closed on every post."""
    generations.bump(generations.COMMENT_RULES, using=using)


def comment_edited(sender, instance, update_fields=None, using="default", **kwargs):
    """A comment's text edited in place: its post's page shows it (if it is approved)."""
    if update_fields is not None and not counts.COUNTED_FIELDS.intersection(update_fields):
        slug = instance.post.slug
        generations.bump(
            generations.post_comments(instance.post_id), generations.post_page(slug), using=using
        )


def connect():
    post_save.connect(rules_changed, sender=ModerationSettings, dispatch_uid="comments.purge.rules")
    post_delete.connect(
        rules_changed, sender=ModerationSettings, dispatch_uid="comments.purge.rules.del"
    )
    post_save.connect(comment_edited, sender=Comment, dispatch_uid="comments.purge.edit")
