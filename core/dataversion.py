"""Numbers that change whenever data a cached read depends on is committed.

Reads that are costly and asked for again and again (a system polling the API's issue list, the
ledger's list of 2,000 projects) are cached under these numbers, so a cached answer is never older
than the last committed change: no time-to-live to tune, no stale counts.

One number per domain of data (DOMAINS, migration core 0010), and 'any', which every change moves
(data_version(): the one number of core 0002). A read is keyed by the domains it depends on
(versions_key), so a progress note (the issue's progress and version: 'rows') leaves the figures
('facts') and the filters' choice lists ('placement', 'scope') cached.

How it stays correct (PostgreSQL; the table, sequence and triggers are made by migrations core
0002 and 0010):
- Every insert, update or delete on a table in VERSIONED_TABLES fires DEFERRED constraint triggers,
  so the bumps run at COMMIT, among the transaction's deferred checks. The new numbers become
  visible in the same instant as the data, and the rows they update stay locked from the first
  bump to the commit: committing writers queue there briefly. Each trigger locks 'any' and its
  domains' rows in id order, 'any' first, and 'any' is in every bump: a transaction holds a domain
  row only while it holds 'any', so writers never hold version rows in opposite orders; as
  before, they queue on the one row 'any'. The only other deferred work is
  Django's foreign-key checks (DEFERRABLE INITIALLY DEFERRED), queued in row order, so some may
  run after the bump. Such a check waits only on a transaction that deletes or re-keys the row it
  references, and Dudao never does either (nothing is hard-deleted; ids never change): so writers
  do not deadlock over the version row. A raw DELETE of a referenced row racing a writer could
  (PostgreSQL then aborts one of them with a deadlock error). Bulk loads hold the row for their
  remaining checks: keep them in batches.
- The numbers come from one sequence, so a rolled-back bump is never reused for other data.
- TRUNCATE (test flushes) bumps them all.
- A reader reads the numbers first (all in one statement, one snapshot), then the data. If a
  writer commits in between, the cached answer holds newer data than its numbers say; the next
  reader sees the next numbers and misses.
- A domain's triggers must cover every change its readers depend on: an issue update moves 'facts'
  only when a column the counts read changes (the rollup's own list, rollups.sql.WATCHED, and
  core 0010's ISSUE_FACTS, pinned equal by tests/core/test_dataversion.py).

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
    "clues_clue",  # the campaign figures (migration core 0011)
    "clues_cluesubject",
    # the group lead's queues (migration core 0012); of the notifications, the 领导批示 only
    "issues_extensionrequest",
    "dispatch_dispatchmeeting",
    "dispatch_decision",
    "talks_talk",
    "talks_commitment",
    "notifications_notification",
)


# What each domain's number follows (the triggers of migration core 0010):
# - rows: any change to an issue or its assisting departments, a reopening: what a list row shows;
# - facts: what is counted: an issue inserted or deleted, an update of a column the rollup and the
#   filters read (status, deadlines, dates, project, department, category, returns), assisting
#   departments (a liaison's scope), a reopening (closed on time);
# - placement: which projects and departments have issues (an issue inserted, deleted or moved,
#   assisting departments): the ledger's project and department choices;
# - scope: projects, departments, groups and their projects and members, authorizations, tokens,
#   users' roles, activity, department and superuser flag: who sees what, and who a caller is;
# - calendar: the holiday overrides (the lights' working days);
# - clues: the clues and their people concerned (the summary's campaign figures; core 0011);
# - desk: what the group lead's queues count besides the issues: extension requests, 调度会 and
#   their decisions, talks and their commitments, 领导批示 notifications (core 0012).
DOMAINS = ("rows", "facts", "placement", "scope", "calendar", "clues", "desk")
# What a read depends on, by kind of read.
LIST_ROWS = ("rows", "scope", "calendar")  # a page of issues with their lights
COUNTS = ("facts", "scope", "calendar")  # totals and figures (the dashboard's too), not a text search
CHOICES = ("placement", "scope")  # the ledger's project, department and group choices
CALLER = ("scope",)  # an API token's user and roles
CALENDAR = ("calendar",)  # the holiday overrides alone
CAMPAIGN = ("clues", "scope")  # the campaign figures of a scope (reports.figures._campaign)
SCOPE = ("scope",)  # what a scope holds: its projects (reports.figures._project_count)
# The group lead's queue counts (desk.queues): of an issue they read its project, status and
# deadline (facts) and who proposed its closure or handed it off (set with a status change, or at
# hand-off), so a progress note leaves them kept.
LEAD_QUEUES = ("facts", "scope", "calendar", "desk")


def count_domains(query, *, reads_text=str.strip) -> tuple[str, ...]:
    """What a filtered list's total (and which rows it holds) depends on: its counts, unless a
    text search (`q`) reads the titles and descriptions, which any change to an issue may edit.
    `reads_text(value)`: whether a q value does (by default any that is not blank)."""
    return LIST_ROWS if any(reads_text(value) for value in query.getlist("q")) else COUNTS


def data_versions(request=None) -> dict[str, int] | None:
    """The committed numbers of 'any' and every domain, or None where they are not maintained
    (SQLite) or caching by them is switched off (DUDAO_CACHE_BY_DATA_VERSION). Given the request,
    read once per request (one statement): the API's token authentication reads them first, and
    the list it serves keys its page by the same numbers."""
    if connection.vendor != "postgresql" or not settings.DUDAO_CACHE_BY_DATA_VERSION:
        return None
    http_request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    if http_request is not None and hasattr(http_request, "_dudao_data_versions"):
        return http_request._dudao_data_versions
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, value FROM core_data_version")
        versions = dict(cursor.fetchall()) or None
    if http_request is not None:
        http_request._dudao_data_versions = versions
    return versions


def data_version(request=None) -> int | None:
    """The number every committed change moves ('any'), or None (see data_versions)."""
    versions = data_versions(request)
    return versions["any"] if versions else None


def versions_key(versions: dict[str, int] | None, domains: tuple[str, ...]) -> str | None:
    """The part of a cache key that follows `domains` ("rows12.scope7.calendar3"), or None."""
    if versions is None:
        return None
    return ".".join(f"{domain}{versions[domain]}" for domain in domains)


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


def cached_read(read, *, key: str, version: int | str | None):
    """read(), kept under `key` for as long as the data version stays `version` (None: read every
    time). The answer must not be None (None in the cache means "not there")."""
    if version is None:
        return read()
    versioned_key = f"{key}:v{version}"
    value = cache.get(versioned_key)
    if value is None:
        value = read()
        cache.set(versioned_key, value, CACHE_SECONDS)
    return value


def cached_count(queryset, *, key: str, version: int | str | None, count=None) -> int:
    """queryset.count(), or `count()` when given (the same number read another way, e.g. from the
    rollups), kept under `key` for as long as the data version stays `version`."""
    return cached_read(count if count is not None else queryset.count, key=key, version=version)


class CountedRows:
    """A list for Django's paginator: the total from `queryset` alone (or from `count`, the same
    number read another way), through cached_count (kept on the bare rows: values() over joined
    columns would join those tables into the COUNT too), and each page's rows read as
    values(*columns), without model instances.

    With `rows_by_id` (the same rows unfiltered and unscoped, with the same annotations), a page is
    read in two steps: its ids in order from `queryset`, then their rows by primary key. The first
    step needs no row: PostgreSQL answers it from an index that holds the ordering and the columns
    the scope tests (issues' issue_handed_off_scope), where a single query fetched every row it
    walked past to test the scope — for a scoped user, mostly other projects' issues. `columns`
    must then hold "id"."""

    ordered = True

    def __init__(
        self,
        queryset,
        *,
        columns: tuple[str, ...],
        count_key: str,
        version: int | str | None,
        count=None,
        rows_by_id=None,
    ):
        self._queryset = queryset
        self._columns = columns
        self._count_key = count_key
        self._version = version
        self._count = count  # another way to the same total (see cached_count)
        self._rows_by_id = rows_by_id

    def count(self) -> int:
        return cached_count(self._queryset, key=self._count_key, version=self._version, count=self._count)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self._queryset.values(*self._columns))

    def __getitem__(self, key):
        if self._rows_by_id is None or not isinstance(key, slice):
            return list(self._queryset.values(*self._columns)[key])
        ids = list(self._queryset.values_list("pk", flat=True)[key])
        if not ids:
            return []
        rows = {row["id"]: row for row in self._rows_by_id.filter(pk__in=ids).order_by().values(*self._columns)}
        return [rows[pk] for pk in ids if pk in rows]
