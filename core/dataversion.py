"""One number that changes whenever data a cached read depends on is committed.

Reads that are costly and asked for again and again (a system polling the API's issue list, the
ledger's list of 2,000 projects) are cached under this number, so a cached answer is never older
than the last committed change: no time-to-live to tune, no stale counts.

How it stays correct (PostgreSQL; the table, sequence and triggers are made by migration core 0002):
- Every insert, update or delete on a table in VERSIONED_TABLES fires a DEFERRED constraint trigger,
  so the bump runs at COMMIT, as the transaction's last act. The new number becomes visible in the
  same instant as the data, and the one row it updates is locked only between that moment and the
  commit: writers never deadlock over it, whatever else they lock.
- The number comes from a sequence, so a rolled-back bump is never reused for other data.
- TRUNCATE (test flushes) bumps it too.
- A reader reads the number first, then the data. If a writer commits in between, the cached
  answer holds newer data than its number says; the next reader sees the next number and misses.

SQLite (`make run` without DATABASE_URL) has no such trigger: data_version() is None there and
callers skip their cache.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

# Everything an issue list row, its count or a filter's choices is read from, including what
# decides a user's scope (groups, memberships, authorizations) and the holiday overrides the
# traffic light counts working days with. A user's own roles and department are part of each
# cache key instead (see scope_fingerprint), so a login's last_login update does not flush caches.
VERSIONED_TABLES = (
    "issues_issue",
    "issues_issue_assisting_departments",
    "projects_project",
    "accounts_department",
    "projects_supervisiongroup",
    "projects_supervisiongroup_projects",
    "projects_groupmembership",
    "projects_authorization",
    "core_workdayoverride",
)


def data_version() -> int | None:
    """The committed data version, or None where it is not maintained (SQLite) or caching by it is
    switched off (DUDAO_CACHE_BY_DATA_VERSION)."""
    if connection.vendor != "postgresql" or not settings.DUDAO_CACHE_BY_DATA_VERSION:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_data_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def scope_fingerprint(user) -> str:
    """What decides a user's scope besides the versioned tables: who, which roles, which department."""
    return f"{user.pk}:{','.join(sorted(user.role_names))}:{user.department_id or ''}"

