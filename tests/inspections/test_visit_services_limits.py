"""The findings limit holds per visit, across edits, for every caller."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inspections.services import MAX_FINDINGS_PER_VISIT, site_visit_create, site_visit_update


def _findings(n: int, start: int = 0) -> list[dict]:
    return [{"kind": "demand", "text": f"诉求{start + i}"} for i in range(n)]


@pytest.mark.django_db
def test_edits_cannot_grow_a_visit_past_50_findings(world):
    common = {"place": "现场", "summary": "座谈", "methods": ["onsite"], "visited_on": timezone.localdate()}
    visit = site_visit_create(actor=world.inspector, project=world.project, findings=_findings(40), **common)
    visit = site_visit_update(
        visit=visit, actor=world.inspector, expected_version=visit.version, findings=_findings(10, 40), **common
    )
    assert visit.findings.count() == MAX_FINDINGS_PER_VISIT
    with pytest.raises(ValidationError, match="最多记录 50 条发现"):
        site_visit_update(
            visit=visit, actor=world.inspector, expected_version=visit.version, findings=_findings(1, 50), **common
        )
    assert visit.findings.count() == MAX_FINDINGS_PER_VISIT
