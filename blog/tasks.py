"""The editorial workflow's mail and the front caches' purges, sent by background tasks
(django-tasks), never in a request.

Like comments/tasks.py: in production the database backend and `manage.py db_worker` run them;
mail is retried MAIL_ATTEMPTS times in all with a doubling wait from MAIL_RETRY_DELAY seconds.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_workflow_notice(*, action: str, post_id: int, actor_id: int, attempt: int = 1) -> int:
    """Send the mail a workflow action calls for (blog.workflow.NOTIFICATIONS)."""
    from blog.workflow import NOTIFICATIONS

    try:
        return NOTIFICATIONS[action](post_id=post_id, actor_id=actor_id)
    except Exception:
        attempts = getattr(settings, "MAIL_ATTEMPTS", 4)
        retried = attempt < attempts and send_workflow_notice.get_backend().supports_defer
        if retried:
            delay = timedelta(
                seconds=getattr(settings, "MAIL_RETRY_DELAY", 60) * 2 ** (attempt - 1)
            )
            send_workflow_notice.using(run_after=timezone.now() + delay).enqueue(
                action=action, post_id=post_id, actor_id=actor_id, attempt=attempt + 1
            )
        logger.exception(
            "Could not send the %r notice for post %s (attempt %d, %s)",
            action,
            post_id,
            attempt,
            "will retry" if retried else "giving up",
        )
        raise


@task()
def purge_front_caches(*, keys: list[str]) -> list[str]:
    """Purge these surrogate keys from the front caches (blog.frontcache); returns the caches
    that failed, each logged. Not retried: a missed purge lasts at most the page's s-maxage."""
    from blog import frontcache

    return frontcache.purge_now(keys)
