"""One number that changes whenever data a cached read depends on is committed.

Reads that are costly and asked for again and again (a system polling the API's issue list, the
ledger's list of 2,000 projects) are cached under this number, so a cached answer is never older
than the last committed change: no time-to-live to tune, no stale counts.

How it stays correct (PostgreSQL; the table, sequence and triggers are made by migration core 0002):
- Every insert, update or delete on a table in VERSIONED_TABLES fires a DEFERRED constraint trigger,
  so the bump runs at COMMIT, among the transaction's deferred checks. The new number becomes
  visible in the same instant as the data, and the one row it updates stays locked from the first
  bump to the commit: committing writers queue there briefly. The only other deferred work is
  Django's foreign-key checks (DEFERRABLE INITIALLY DEFERRED), queued in row order, so some may
  run after the bump. Such a check waits only on a transaction that deletes or re-keys the row it
  references, and Dudao never does either (nothing is hard-deleted; ids never change): so writers
  do not deadlock over the version row. A raw DELETE of a referenced row racing a writer could
  (PostgreSQL then aborts one of them with a deadlock error). Bulk loads hold the row for their
  remaining checks: keep them in batches.
- The number comes from a sequence, so a rolled-back bump is never reused for other data.
- TRUNCATE (test flushes) bumps it too.
- A reader reads the number first, then the data. If a writer commits in between, the cached
  answer holds newer data than its number says; the next reader sees the next number and misses.

SQLite (`make run` without DATABASE_URL) has no such trigger: data_version() is None there and
callers skip their cache.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

# Entries are keyed by the data version, so they are never stale; the time-out only frees memory
# from answers nobody asks for again.
CACHE_SECONDS = 600

# Everything an issue list row, its count or a filter's choices is read from, including what
# decides a user's scope (groups, memberships, authorizations) and the holiday overrides the
# traffic light counts working days with; and who a caller is, for the API's cached token users
# (tokens, roles, and a user's activity, department and superuser flag: migration core 0003, whose
# trigger on accounts_user ignores other columns, so a login's last_login update flushes nothing).
# A user's own roles and department are part of each cache key too (see scope_fingerprint).
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
    "authtoken_token",
    "accounts_user_groups",
    "accounts_user",
    "issues_issueevent",  # reopen events only (migration core 0005): "closed on time" excludes reopened issues
)


def data_version(request=None) -> int | None:
    """The committed data version, or None where it is not maintained (SQLite) or caching by it is
    switched off (DUDAO_CACHE_BY_DATA_VERSION). Given the request, read once per request: the API's
    token authentication reads it first, and the list it serves keys its page by the same number."""
    if connection.vendor != "postgresql" or not settings.DUDAO_CACHE_BY_DATA_VERSION:
        return None
    http_request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    if http_request is not None and hasattr(http_request, "_dudao_data_version"):
        return http_request._dudao_data_version
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_data_version WHERE id = 1")
        row = cursor.fetchone()
    version = row[0] if row else None
    if http_request is not None:
        http_request._dudao_data_version = version
    return version


def scope_fingerprint(user) -> str:
    """What decides a user's scope besides the versioned tables: who, which roles, which department."""
    return f"{user.pk}:{','.join(sorted(user.role_names))}:{user.department_id or ''}"


def query_pairs(query, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """A QueryDict's (name, value) pairs as sent, repeated names included, without `skip`."""
    return [(name, value) for name, values in query.lists() if name not in skip for value in values]


def scoped_cache_key(prefix: str, *, user, params) -> str:
    """A key for one user's scoped read on one day (traffic lights turn and authorizations end at
    local midnight) with the given (name, value) parameters, in the order received: a repeated
    parameter's last value is the one that counts, so order matters.

    Take the key BEFORE reading: a read that straddles midnight then lands under yesterday's key,
    which nobody asks for any more, never yesterday's answer under today's."""
    material = repr((scope_fingerprint(user), timezone.localdate(), list(params)))
    return f"{prefix}:{hashlib.sha256(material.encode()).hexdigest()}"


def cached_count(queryset, *, key: str, version: int | None, count=None) -> int:
    """queryset.count(), or `count()` when given (the same number read another way, e.g. from the
    rollups), kept under `key` for as long as the data version stays `version`."""
    counter = count if count is not None else queryset.count
    if version is None:
        return counter()
    versioned_key = f"{key}:v{version}"
    total = cache.get(versioned_key)
    if total is None:
        total = counter()
        cache.set(versioned_key, total, CACHE_SECONDS)
    return total


class CountedRows:
    """A list for Django's paginator: the total from `queryset` alone (or from `count`, the same
    number read another way), through cached_count (kept on the bare rows: values() over joined
    columns would join those tables into the COUNT too), and each page's rows read as
    values(*columns), without model instances."""

    ordered = True

    def __init__(self, queryset, *, columns: tuple[str, ...], count_key: str, version: int | None, count=None):
        self._queryset = queryset
        self._columns = columns
        self._count_key = count_key
        self._version = version
        self._count = count  # another way to the same total (see cached_count)

    def count(self) -> int:
        return cached_count(self._queryset, key=self._count_key, version=self._version, count=self._count)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self._queryset.values(*self._columns))

    def __getitem__(self, key):
        return list(self._queryset.values(*self._columns)[key])
