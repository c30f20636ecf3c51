"""Template helpers of the issue pages."""

from __future__ import annotations

from django import template

from issues.models import IssueStatus

register = template.Library()

# Badge colour by status: the ledger's lines (issues.views.ledger_rows) and the detail page.
STATUS_BADGES = {
    IssueStatus.HANDED_OFF: "text-bg-warning",
    IssueStatus.IN_PROGRESS: "text-bg-primary",
    IssueStatus.SUBMITTED: "text-bg-info",
    IssueStatus.CLOSE_PROPOSED: "text-bg-info",
    IssueStatus.CLOSED: "text-bg-success",
    IssueStatus.WITHDRAWN: "text-bg-secondary",
}


@register.filter
def status_badge(status) -> str:
    """Bootstrap badge class of an issue status."""
    return STATUS_BADGES.get(str(status), "text-bg-secondary")
