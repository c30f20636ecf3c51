"""Two people acting on one issue at the same moment: exactly one wins, the other gets a conflict."""

import threading

import pytest
from django.db import close_old_connections, connection

from issues import services
from issues.errors import IssueConflict, IssueWorkflowError
from issues.models import Issue, IssueEvent, IssueStatus


@pytest.mark.django_db(transaction=True)
def test_concurrent_propose_and_return_have_exactly_one_winner(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="完成")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(kind: str, actor):
        close_old_connections()
        stale = Issue.objects.get(pk=issue.pk)  # both read "submitted" before either writes
        barrier.wait()
        try:
            if kind == "propose_close":
                services.issue_propose_close(issue=stale, actor=actor, note="核验通过")
            else:
                services.issue_return(issue=stale, actor=actor, reason="材料不全")
            outcomes.append("won")
        except IssueConflict:
            outcomes.append("conflict")
        except IssueWorkflowError as error:  # pragma: no cover - would mean a wrong rule
            outcomes.append(f"error: {error}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("propose_close", world.inspector)),
        threading.Thread(target=act, args=("return", world.group_lead)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "won"]
    issue.refresh_from_db()
    assert issue.status in (IssueStatus.CLOSE_PROPOSED, IssueStatus.IN_PROGRESS)
    decisive = IssueEvent.objects.filter(issue=issue, action__in=["propose_close", "return"])
    assert decisive.count() == 1 and decisive.get().to_status == issue.status


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_signs_write_one_event(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    issue = world.hand_off()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def sign():
        close_old_connections()
        stale = Issue.objects.get(pk=issue.pk)
        barrier.wait()
        try:
            services.issue_sign(issue=stale, actor=world.lead_liaison)
            outcomes.append("won")
        except IssueConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("won") == 1 and outcomes.count("conflict") == 3
    assert IssueEvent.objects.filter(issue=issue, action="sign").count() == 1
