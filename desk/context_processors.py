"""The navigation's badges of the group lead's queues (desk.queues), on every page a lead sees."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from core.dataversion import data_versions
from desk import queues


def lead_queues_of(request) -> queues.LeadQueues | None:
    """The lead's queues (a count each, one query each), read once per request and shared by the
    desk and the navigation; None for a user who leads no active group (one query to know)."""
    if not hasattr(request, "_lead_queues"):
        request._lead_queues = queues.lead_queues_for(user=request.user, versions=data_versions(request))
    return request._lead_queues


def _navigation(request) -> list[dict]:
    lead = lead_queues_of(request)
    if lead is None:
        return []
    return [{"key": q.key, "label": q.label, "icon": q.icon, "count": lead.counts[q.key]} for q in queues.QUEUES]


def _total(request) -> int:
    lead = lead_queues_of(request)
    return sum(lead.counts.values()) if lead else 0


def lead_queues(request):
    """`lead_queues`: [] or one entry per queue (key, label, icon, count), and `lead_queue_total`,
    computed only when a page's navigation asks and only for inspectors (who may lead a group)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_inspector:
        return {}
    return {
        "lead_queues": SimpleLazyObject(lambda: _navigation(request)),
        "lead_queue_total": SimpleLazyObject(lambda: _total(request)),
    }
