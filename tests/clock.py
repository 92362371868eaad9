"""Frozen clocks for tests, set from the real one: a test that freezes the clock must pass on
any day it runs (and under `make test-later`, which moves the machine's clock 400 days ahead).
A fixed calendar date would drift away from what the factories make (`PostFactory` publishes
a day before the real now), so no test travels to one."""

from datetime import datetime, timedelta

from django.utils import timezone


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """hour:minute (UTC) tomorrow by the real clock: a round instant with a known time of day."""
    day = timezone.now() + timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
