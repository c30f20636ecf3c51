"""Talk pages: the list, the record form, a talk, a department's talks. Every talk is fetched
through talks.selectors (out of scope = 404); every change goes through one talks.services call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Department
from core.errors import ServiceError, add_to_form
from talks import services
from talks.forms import FulfilForm, TalkForm
from talks.models import Commitment, CommitmentStatus
from talks.ranking import ranking_snapshot_for
from talks.selectors import (
    talk_get_for_user,
    talk_issues_for_reader,
    talk_list_with_commitments,
    user_may_manage_talk,
    user_may_read_department_talks,
    user_may_record_talk,
)

LIST_LIMIT = 200


def _annotated(queryset, today):
    return queryset.annotate(
        commitment_count=Count("commitments", distinct=True),
        open_count=Count("commitments", filter=Q(commitments__status=CommitmentStatus.OPEN), distinct=True),
        overdue_count=Count(
            "commitments",
            filter=Q(commitments__status=CommitmentStatus.OPEN, commitments__due_on__lt=today),
            distinct=True,
        ),
    )


@login_required
@require_GET
def talk_list(request):
    today = timezone.localdate()
    talks = list(
        _annotated(talk_list_with_commitments(user=request.user), today).order_by("-held_on", "-pk")[:LIST_LIMIT]
    )
    return render(
        request,
        "talks/talk_list.html",
        {"talks": talks, "may_record": user_may_record_talk(user=request.user), "today": today, "limit": LIST_LIMIT},
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_create(request):
    if not user_may_record_talk(user=request.user):
        raise PermissionDenied(_("只有领导或督导组组长可以记录约谈。"))
    initial = {"department": request.GET.get("department")} if request.GET.get("department", "").isdigit() else {}
    form = TalkForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talk = services.talk_record(
                actor=request.user,
                kind=data["kind"],
                department=data["department"],
                group=data["group"],
                held_on=data["held_on"],
                place=data["place"],
                interviewee_name=data["interviewee_name"],
                interviewee_post=data["interviewee_post"],
                led_by=data["led_by"],
                reason=data["reason"],
                agreed=data["agreed"],
                issues=data["issues"],
                commitments=form.commitments(),
                ranking=ranking_snapshot_for(department_id=data["department"].pk, held_on=data["held_on"]),
            )
        except ServiceError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("谈话记录已保存。"))
            return redirect("talks:detail", pk=talk.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "talks/talk_form.html", {"form": form}, status=status)


def _detail_context(request, talk, *, failed: dict | None = None) -> dict:
    today = timezone.localdate()
    may_manage = user_may_manage_talk(user=request.user, talk=talk)
    commitments = list(talk.commitments.select_related("fulfilled_by").order_by("due_on", "pk"))
    failed = failed or {}
    rows = []
    for commitment in commitments:
        form = None
        if may_manage and commitment.status == CommitmentStatus.OPEN:
            form = failed.get(commitment.pk) or FulfilForm(
                initial={"expected_version": commitment.version}, prefix=f"c{commitment.pk}"
            )
        rows.append({"commitment": commitment, "overdue": commitment.is_overdue(today), "form": form})
    issues, hidden = talk_issues_for_reader(user=request.user, talk=talk)
    events = list(talk.events.select_related("actor", "commitment").order_by("created_at", "pk"))
    return {
        "talk": talk,
        "rows": rows,
        "issues": issues,
        "hidden_issue_count": hidden,
        "events": events,
        "may_manage": may_manage,
        "today": today,
    }


@login_required
@require_GET
def talk_detail(request, pk: int):
    talk = talk_get_for_user(user=request.user, pk=pk)
    return render(request, "talks/talk_detail.html", _detail_context(request, talk))


@login_required
@require_POST
def commitment_fulfil(request, pk: int, commitment_pk: int):
    """Visible talk (else 404); may confirm (else 403: a reader knows the talk exists)."""
    talk = talk_get_for_user(user=request.user, pk=pk)
    commitment = get_object_or_404(Commitment.objects.select_related("talk"), pk=commitment_pk, talk=talk)
    if not user_may_manage_talk(user=request.user, talk=talk):
        raise PermissionDenied(_("只有领导、谈话人、记录人或该督导组组长可以确认承诺落实。"))
    form = FulfilForm(request.POST, prefix=f"c{commitment.pk}")
    if form.is_valid():
        try:
            services.commitment_fulfil(
                commitment=commitment,
                actor=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ServiceError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("已确认该承诺事项落实。"))
            return redirect("talks:detail", pk=talk.pk)
    context = _detail_context(request, talk, failed={commitment.pk: form})
    return render(request, "talks/talk_detail.html", context, status=400)


@login_required
@require_GET
def department_talks(request, pk: int):
    """A department's talks: leaders, admins and inspectors (their scope's talks), and the
    department's own liaisons. Another department's liaison gets 404, like a missing department."""
    department = Department.objects.filter(pk=pk).first()
    if department is None or not user_may_read_department_talks(user=request.user, department=department):
        raise Http404
    today = timezone.localdate()
    talks = list(
        _annotated(talk_list_with_commitments(user=request.user).filter(department=department), today).order_by(
            "-held_on", "-pk"
        )
    )
    overdue = [c for talk in talks for c in talk.commitments.all() if c.is_overdue(today)]
    return render(
        request,
        "talks/department_talks.html",
        {
            "department": department,
            "talks": talks,
            "interviews": sum(1 for t in talks if t.kind == "interview"),
            "reminders": sum(1 for t in talks if t.kind == "reminder"),
            "open_commitments": sum(t.open_count for t in talks),
            "overdue_commitments": overdue,
            "may_record": user_may_record_talk(user=request.user),
            "today": today,
        },
    )
