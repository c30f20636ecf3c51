"""Unique-constraint races, told apart from other integrity errors.

A check-then-insert ("has this finding been handed off?") races with a second request doing the
same: both pass the check, the database's unique constraint lets one insert through and refuses
the other with an IntegrityError. That refusal is a conflict the user can act on, not a crash:
services wrap such inserts in `unique_violation_as(...)` to raise their own error type, and the
API answers any unique violation that still escapes with 409 in its error shape (core.api).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(error: IntegrityError) -> bool:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)  # psycopg 3 / psycopg 2
    if code is not None:
        return bool(code == UNIQUE_VIOLATION)
    return "UNIQUE constraint failed" in str(error)  # SQLite


@contextmanager
def unique_violation_as(make_error: Callable[[], Exception]) -> Iterator[None]:
    """Run the block in a savepoint; a unique violation inside it raises make_error() instead
    (the enclosing transaction stays usable), any other integrity error propagates."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise make_error() from error
