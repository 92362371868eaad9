"""A Redis cache that a Redis outage cannot turn into 500s (Django's RedisCache raises).

After a failure (logged once) it answers as an empty cache for RETRY_AFTER seconds without asking
Redis: a hanging Redis costs one timeout per process, not per call. ON_RECOVERY names a function
called once Redis answers again (to redo missed writes); FALLBACK "memory" keeps values in this
process instead (the comment rate limiter). config/settings.py shows both."""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0  # seconds without asking a failed Redis again
# What an empty cache answers, for each method, when there is no memory fallback.
MISS = {
    **dict.fromkeys(["add", "touch", "delete", "has_key"], False),
    **dict.fromkeys(["get", "set", "delete_many", "clear"]),  # get: the caller's default
    "get_many": {},
    "set_many": [],
}


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = (
            LocMemCache(f"failsafe-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
            if params.get("FALLBACK") == "memory"
            else None
        )
        self._down_until = 0.0
        self._failed = False  # failed since Redis last answered, in this process
        self._on_recovery = params.get("ON_RECOVERY")
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """Whether Redis failed in this process less than RETRY_AFTER seconds ago."""
        return time.monotonic() < self._down_until

    def reachable(self) -> bool:
        """Whether Redis answers now (one EXISTS round trip, unless it failed moments ago)."""
        if not self.degraded:
            self._call("has_key", "failsafe-probe")
        return not self.degraded

    def _call(self, name, *args, **kwargs):
        if not self.degraded:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._mark_down(error)
            else:
                if self._failed:
                    self._recovered()
                return result
        if self._fallback is not None:
            return getattr(self._fallback, name)(*args, **kwargs)
        if name == "incr":
            raise ValueError("Key not found (the cache is unreachable)")
        if name == "get":
            return kwargs.get("default", args[1] if len(args) > 1 else None)
        return MISS[name]

    def _recovered(self) -> None:
        with self._lock:
            if not self._failed:
                return
            self._failed = False
        logger.warning("Cache reachable again")
        if self._on_recovery:
            try:
                import_string(self._on_recovery)()
            except Exception:
                logger.exception("Cache recovery hook %s failed", self._on_recovery)

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            self._failed = True
            first = not self.degraded
            self._down_until = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning(
                "Cache unreachable (%s: %s): answering %s for %g s",
                type(error).__name__,
                error,
                "from this process's memory" if self._fallback is not None else "as a miss",
                RETRY_AFTER,
            )


def _through_redis(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


# Each cache method asks Redis through _call(), which answers for it while Redis is down.
for _name in [*MISS, "incr"]:
    setattr(FailSafeRedisCache, _name, _through_redis(_name))
