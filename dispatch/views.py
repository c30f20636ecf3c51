"""Meeting pages. Every meeting is fetched through dispatch.selectors (out of scope = 404); every
change goes through one dispatch.services function."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ServiceError, add_to_form
from dispatch import services
from dispatch.forms import DecisionForm, HeldForm, MeetingRuleForm, MinutesForm, RescheduleForm
from dispatch.models import Decision, DispatchMeeting, MeetingRule
from dispatch.selectors import (
    agenda_for_user,
    groups_ruled_by,
    meeting_get_for_user,
    meeting_list_visible_to,
    user_may_edit_meeting,
    user_may_edit_rule,
)
from dispatch.wording import agenda_counts_html
from projects.models import SupervisionGroup


@login_required
@require_GET
def meeting_list(request):
    meetings = list(
        meeting_list_visible_to(user=request.user)
        .annotate(
            decision_count=Count("decisions", distinct=True),
            attendee_count=Count("attendees", distinct=True),
            present_count=Count("present", distinct=True),
        )
        .order_by("-starts_at")
    )
    now = timezone.now()
    upcoming = sorted(
        (m for m in meetings if m.status == DispatchMeeting.Status.PLANNED and m.starts_at >= now),
        key=lambda m: m.starts_at,
    )
    past = [m for m in meetings if m not in upcoming]
    return render(
        request,
        "dispatch/meeting_list.html",
        {"upcoming": upcoming, "past": past, "rule_groups": list(groups_ruled_by(user=request.user))},
    )


def _detail_context(request, meeting: DispatchMeeting, **forms) -> dict:
    may_edit = user_may_edit_meeting(user=request.user, meeting=meeting)
    meeting = (
        DispatchMeeting.objects.select_related("group")
        .prefetch_related(
            "attendees",
            "present",
            "attending_departments",
            Prefetch(
                "decisions", queryset=Decision.objects.select_related("responsible_department", "issue", "created_by")
            ),
        )
        .get(pk=meeting.pk)
    )
    version = {"expected_version": meeting.version}
    local = timezone.localtime(meeting.starts_at)
    agenda = agenda_for_user(user=request.user, meeting=meeting)
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "agenda_counts": agenda_counts_html(agenda["counts"]) if agenda.get("counts") else "",
        "may_edit": may_edit,
        "present_ids": {user.pk for user in meeting.present.all()},
        "is_past": meeting.starts_at <= timezone.now(),
    }
    if may_edit:
        context.update(
            reschedule_form=forms.get("reschedule_form")
            or RescheduleForm(initial={**version, "date": local.date(), "time": local.time(), "place": meeting.place}),
            minutes_form=forms.get("minutes_form")
            or MinutesForm(
                initial={**version, "minutes": meeting.minutes, "focus_next_month": meeting.focus_next_month}
            ),
            held_form=forms.get("held_form")
            or HeldForm(meeting=meeting, initial={**version, "present": list(meeting.attendees.all())}),
            decision_form=forms.get("decision_form") or DecisionForm(meeting=meeting),
        )
    return context


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    return render(request, "dispatch/meeting_detail.html", _detail_context(request, meeting))


def _editable_meeting(request, pk: int) -> DispatchMeeting:
    """Visible (else 404, like a missing meeting) and editable by this user (else 403: a reader —
    a leader, an invited liaison — knows the meeting exists but may not change it)."""
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    if not user_may_edit_meeting(user=request.user, meeting=meeting):
        raise PermissionDenied
    return meeting


def _rerender(request, meeting, status=400, **forms):
    return render(request, "dispatch/meeting_detail.html", _detail_context(request, meeting, **forms), status=status)


def _act(request, meeting: DispatchMeeting, *, form, form_name: str, perform, success):
    """The shape of every meeting form: valid input -> one service call -> back to the meeting
    with a message; a refusal -> the page again with the form, what was typed and the error."""
    if form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except ServiceError as error:
            add_to_form(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect("dispatch:meeting_detail", pk=meeting.pk)
    return _rerender(request, meeting, **{form_name: form})


@login_required
@require_POST
def meeting_reschedule(request, pk: int):
    meeting = _editable_meeting(request, pk)
    return _act(
        request,
        meeting,
        form=RescheduleForm(request.POST),
        form_name="reschedule_form",
        perform=lambda data: services.meeting_reschedule(
            meeting=meeting,
            actor=request.user,
            starts_at=data["starts_at"],
            place=data["place"],
            expected_version=data["expected_version"],
        ),
        success=_("调度会已改期，参会人员将收到新的时间通知和提醒。"),
    )


@login_required
@require_POST
def meeting_minutes(request, pk: int):
    meeting = _editable_meeting(request, pk)
    return _act(
        request,
        meeting,
        form=MinutesForm(request.POST),
        form_name="minutes_form",
        perform=lambda data: services.meeting_record_minutes(
            meeting=meeting,
            actor=request.user,
            minutes=data["minutes"],
            focus_next_month=data["focus_next_month"],
            expected_version=data["expected_version"],
        ),
        success=_("会议纪要已保存。"),
    )


@login_required
@require_POST
def meeting_held(request, pk: int):
    meeting = _editable_meeting(request, pk)
    return _act(
        request,
        meeting,
        form=HeldForm(request.POST, meeting=meeting),
        form_name="held_form",
        perform=lambda data: services.meeting_mark_held(
            meeting=meeting,
            actor=request.user,
            present=data["present"],
            expected_version=data["expected_version"],
        ),
        success=_("已确认召开并记录实到人员。"),
    )


def _decision_message(decision: Decision) -> str:
    if decision.issue is not None:
        return _("决定事项已记录，并已交办问题 %(code)s。") % {"code": decision.issue.code}
    return _("决定事项已记录。")


@login_required
@require_POST
def decision_add(request, pk: int):
    meeting = _editable_meeting(request, pk)
    form = DecisionForm(request.POST, meeting=meeting)
    return _act(
        request,
        meeting,
        form=form,
        form_name="decision_form",
        perform=lambda data: services.decision_create(
            meeting=meeting,
            actor=request.user,
            text=data["text"],
            responsible_department=data["responsible_department"],
            due_on=data["due_on"],
            hand_off=form.hand_off_values(),
        ),
        success=_decision_message,
    )


@login_required
@require_POST
def decision_done(request, pk: int, decision_pk: int):
    meeting = _editable_meeting(request, pk)
    decision = get_object_or_404(Decision, pk=decision_pk, meeting=meeting)
    services.decision_set_done(decision=decision, actor=request.user, is_done=request.POST.get("is_done") == "1")
    messages.success(request, _("决定事项落实情况已更新。"))
    return redirect("dispatch:meeting_detail", pk=meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, group_pk: int):
    """Group leads and admins. A plain member of the group gets 403; anyone else 404."""
    group = get_object_or_404(SupervisionGroup, pk=group_pk)
    if not user_may_edit_rule(user=request.user, group=group):
        if group.memberships.filter(user=request.user).exists():
            raise PermissionDenied
        raise Http404
    rule = MeetingRule.objects.filter(group=group).first() or MeetingRule(group=group)
    form = MeetingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_rule_save(group=group, actor=request.user, **data)
        except ServiceError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("调度会规则已保存：%(rule)s") % {"rule": MeetingRule.objects.get(group=group)})
            return redirect("dispatch:meeting_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "dispatch/rule_form.html", {"form": form, "group": group}, status=status)
