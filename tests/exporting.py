"""Follow a summary export link the way a user does: the GET offers the background job, its form
is posted, the job runs here (tests/integration runs it in a real Celery worker) and the file is
downloaded from 我的导出 — so the tests that read the 通报 or the 调度汇总 read the file the
job wrote."""

from __future__ import annotations

from django.urls import resolve, reverse

from reports.export_jobs import export_job_run


def follow_export_offer(client, url: str, query: dict | None = None) -> bytes:
    offer = client.get(url, query or {})
    assert offer.status_code == 200, (url, offer.status_code)
    assert offer.templates[0].name == "reports/export_offer.html"
    form = {"kind": offer.context["kind"], **dict(offer.context["fields"]), "next": offer.context["back_url"]}
    asked = client.post(offer.context["action"], form)
    assert asked.status_code == 302, asked.status_code
    pk = resolve(asked.url).kwargs["pk"]
    job = export_job_run(job_id=pk)
    assert job is not None and job.state == "done", (job and job.state, job and job.failure_reason)
    response = client.get(reverse("reports:export_download", kwargs={"pk": pk}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)
