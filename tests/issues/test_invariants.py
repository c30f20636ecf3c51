"""The workflow's invariants hold under real concurrency: several threads, each with its own
PostgreSQL connection, take a few hundred random actions on a handful of issues — every kind of
write, by every role, on copies of the issue that may be stale — and afterwards, in SQL:

- no event follows a terminal state (closed, withdrawn) except a reopening and what follows it;
- every closed issue stands at 100 %;
- nothing is pending on a closed or withdrawn issue.

Refusals (wrong person, wrong state, a lost race) are expected; anything else fails the test.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.db import close_old_connections, connection

from issues import services
from issues.errors import IssueWorkflowError
from issues.models import EvidenceFile, ExtensionRequest, Issue, IssueStatus
from tests.issues.view_helpers import png_upload

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 4
ACTIONS_PER_THREAD = 70
ISSUES = 8


def _actions(world):
    """(name, function(issue, rng)) of every write a user can make to an issue."""

    def later(issue, rng):
        return issue.rectification_deadline + dt.timedelta(days=rng.randint(1, 30))

    def review_all(issue, rng):
        for evidence in EvidenceFile.objects.filter(update__issue=issue):
            services.evidence_review(
                issue=issue, actor=world.authorized_inspector, evidence_id=evidence.pk, verdict="accepted"
            )

    return [
        ("sign", lambda issue, rng: services.issue_sign(issue=issue, actor=world.lead_liaison)),
        (
            "progress",
            lambda issue, rng: services.issue_progress_add(
                issue=issue,
                actor=world.lead_liaison,
                text="进展",
                percent=rng.randint(0, 99),
                files=[png_upload()] if rng.random() < 0.3 else [],
            ),
        ),
        (
            "note",
            lambda issue, rng: services.issue_progress_add(issue=issue, actor=world.assisting_liaison, text="协办"),
        ),
        (
            "extension_request",
            lambda issue, rng: services.extension_request_create(
                issue=issue, actor=world.lead_liaison, requested_deadline=later(issue, rng), reason="申请延期"
            ),
        ),
        (
            "extension_decide",
            lambda issue, rng: services.extension_request_decide(
                issue=issue, actor=rng.choice([world.group_lead, world.leader]), approve=rng.random() < 0.5, note="意见"
            ),
        ),
        ("submit", lambda issue, rng: services.issue_submit(issue=issue, actor=world.lead_liaison, note="完成")),
        ("review", review_all),
        (
            "propose_close",
            lambda issue, rng: services.issue_propose_close(
                issue=issue, actor=rng.choice([world.inspector, world.authorized_inspector]), note="核验属实"
            ),
        ),
        (
            "confirm_close",
            lambda issue, rng: services.issue_confirm_close(
                issue=issue, actor=rng.choice([world.group_lead, world.leader])
            ),
        ),
        ("reject_close", lambda issue, rng: services.issue_reject_close(issue=issue, actor=world.leader, note="再核")),
        ("return", lambda issue, rng: services.issue_return(issue=issue, actor=world.inspector, reason="不到位")),
        ("withdraw", lambda issue, rng: services.issue_withdraw(issue=issue, actor=world.group_lead, reason="撤销")),
        ("instruct", lambda issue, rng: services.instruction_create(issue=issue, actor=world.leader, text="抓紧")),
        ("reopen", lambda issue, rng: services.issue_reopen(issue=issue, actor=world.inspector, note="反弹")),
    ]


# Weights: the department's work most often, terminal actions rarely, so issues live a while.
WEIGHTS = {"withdraw": 1, "reopen": 2, "confirm_close": 4, "sign": 6, "progress": 6, "submit": 6}


def test_random_concurrent_actions_keep_the_workflow_invariants(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    issue_ids = [
        world.hand_off(title=f"并发问题{n}", assisting_departments=[world.assisting_department]).pk
        for n in range(ISSUES)
    ]
    actions = _actions(world)
    weights = [WEIGHTS.get(name, 3) for name, _ in actions]
    outcomes: dict[str, int] = {"done": 0, "refused": 0}
    done_by_action: dict[str, int] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        close_old_connections()
        try:
            for _ in range(ACTIONS_PER_THREAD):
                name, action = rng.choices(actions, weights=weights)[0]
                issue = Issue.objects.get(pk=rng.choice(issue_ids))  # may be stale by the time it writes
                if rng.random() < 0.3:
                    time.sleep(rng.random() / 50)  # widen the window between read and write
                try:
                    action(issue, rng)
                except IssueWorkflowError:
                    with lock:
                        outcomes["refused"] += 1
                else:
                    with lock:
                        outcomes["done"] += 1
                        done_by_action[name] = done_by_action.get(name, 0) + 1
        except Exception as error:  # noqa: BLE001 — any other error is a failure to report
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert outcomes["done"] + outcomes["refused"] == THREADS * ACTIONS_PER_THREAD
    # The run did exercise the workflow: work was done, and issues were finished.
    assert outcomes["done"] >= 60, (outcomes, done_by_action)
    assert Issue.objects.filter(status__in=[IssueStatus.CLOSED, IssueStatus.WITHDRAWN]).exists(), done_by_action

    with connection.cursor() as cursor:
        # No event after a terminal event of its issue, unless a reopening came in between.
        cursor.execute(
            """
            SELECT e.issue_id, e.action, t.to_status
            FROM issues_issueevent e
            JOIN issues_issueevent t
              ON t.issue_id = e.issue_id
             AND t.to_status IN ('closed', 'withdrawn')
             AND (e.created_at, e.id) > (t.created_at, t.id)
            WHERE NOT EXISTS (
                SELECT 1 FROM issues_issueevent r
                WHERE r.issue_id = e.issue_id AND r.action = 'reopen'
                  AND (r.created_at, r.id) > (t.created_at, t.id)
                  AND (r.created_at, r.id) <= (e.created_at, e.id)
            )
            """
        )
        after_terminal = cursor.fetchall()
        cursor.execute(
            "SELECT id, progress_percent FROM issues_issue WHERE status = 'closed' AND progress_percent <> 100"
        )
        incomplete = cursor.fetchall()
        cursor.execute(
            """
            SELECT x.id, i.status FROM issues_extensionrequest x JOIN issues_issue i ON i.id = x.issue_id
            WHERE x.status = 'pending' AND i.status IN ('closed', 'withdrawn')
            """
        )
        pending_on_finished = cursor.fetchall()
        # Every issue's current status is where its last status-changing event left it.
        cursor.execute(
            """
            SELECT i.id, i.status, last.to_status FROM issues_issue i
            JOIN LATERAL (
                SELECT to_status FROM issues_issueevent e
                WHERE e.issue_id = i.id AND e.to_status <> ''
                ORDER BY e.created_at DESC, e.id DESC LIMIT 1
            ) last ON TRUE
            WHERE i.status <> last.to_status
            """
        )
        drifted = cursor.fetchall()
    assert after_terminal == []
    assert incomplete == []
    assert pending_on_finished == []
    assert drifted == []
    assert not ExtensionRequest.objects.filter(status="pending", issue__status__in=["closed", "withdrawn"]).exists()
