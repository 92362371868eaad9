"""Workflow mail and front-cache purges: sent by background tasks, never in a request."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@contextmanager
def retried(task_function, *, attempt: int, what: str, log: logging.Logger, **arguments):
    """Run a mail task's sending. If it fails, log it and, if attempts remain and the backend can
    defer, enqueue the next one after a wait doubling from MAIL_RETRY_DELAY; then re-raise."""
    try:
        yield
    except Exception:
        will_retry = attempt < settings.MAIL_ATTEMPTS and task_function.get_backend().supports_defer
        if will_retry:
            delay = timedelta(seconds=settings.MAIL_RETRY_DELAY * 2 ** (attempt - 1))
            task_function.using(run_after=timezone.now() + delay).enqueue(
                attempt=attempt + 1, **arguments
            )
        outcome = "will retry" if will_retry else "giving up"
        log.exception("Could not send %s (attempt %d, %s)", what, attempt, outcome)
        raise


@task()
def send_workflow_notice(*, action: str, post_id: int, actor_id: int, attempt: int = 1) -> int:
    from blog.workflow import NOTIFICATIONS

    what = f"the {action!r} notice for post {post_id}"
    arguments = {"action": action, "post_id": post_id, "actor_id": actor_id}
    with retried(send_workflow_notice, attempt=attempt, what=what, log=logger, **arguments):
        return NOTIFICATIONS[action](post_id=post_id, actor_id=actor_id)


@task()
def purge_front_caches(*, keys: list[str]) -> list[str]:
    """Not retried: a missed purge lasts at most the page's s-maxage."""
    from blog import generations

    return generations.purge_now(keys)
