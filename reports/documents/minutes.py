"""The 调度会 会议纪要 of a held meeting (GB/T 9704 10.3): the red 纪要标志 with its number, the
meeting's circumstances, the situation it heard, its decisions, next month's focus, who attended."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from dispatch.models import Decision, DispatchMeeting
from reports.documents.layout import Issuer, OfficialDocument, date_cn
from reports.documents.numbering import document_number_text
from reports.models import DocumentKind
from reports.services import document_number_for

CHINESE_NUMBERS = "一二三四五六七八九十"


def _person(user: User) -> str:
    department = user.department.display_name if user.department is not None else ""
    return "".join(part for part in (department, user.title, user.display_name) if part)


def minutes_docx(*, meeting: DispatchMeeting, actor: User | None = None) -> bytes:
    """`meeting` must be held (the caller checks); dated the day it was held."""
    meeting = (
        DispatchMeeting.objects.select_related("group")
        .prefetch_related(
            Prefetch("present", queryset=User.objects.select_related("department").order_by("id")),
            Prefetch("attendees", queryset=User.objects.select_related("department").order_by("id")),
            "attending_departments",
            Prefetch("decisions", queryset=Decision.objects.select_related("responsible_department", "issue")),
        )
        .get(pk=meeting.pk)
    )
    day = timezone.localdate(meeting.starts_at)
    issuer = Issuer.from_settings()
    number = document_number_for(kind=DocumentKind.MINUTES, key=str(meeting.pk), document_date=day, actor=actor)
    doc = OfficialDocument(issuer=issuer, document_date=day, title=meeting.title, subject=_("会议纪要"))
    doc.masthead(number=document_number_text(number, issuer=issuer), mark=_("专项督导调度会议纪要"))
    doc.title(meeting.title)
    doc.body(
        _(
            "%(day)s，%(group)s在%(place)s召开%(title)s，听取交办问题整改和项目推进情况汇报，研究解决存在的困难和问题，安排下月督导工作。现将会议议定事项纪要如下。"
        )
        % {"day": date_cn(day), "group": meeting.group.name, "place": meeting.place, "title": meeting.title}
    )
    headings = iter(CHINESE_NUMBERS)
    agenda = meeting.agenda_snapshot or {}
    counts = agenda.get("counts") or {}
    if counts.get("open"):
        doc.heading(_("%(n)s、交办问题整改情况") % {"n": next(headings)})
        parts = [_("截至会前，督导组交办的问题尚未办结%(n)s件") % {"n": counts["open"]}]
        if counts.get("red"):
            parts.append(_("其中逾期未整改%(n)s件") % {"n": counts["red"]})
        doc.body("，".join(parts) + "。")
        for row in (r for r in agenda.get("issues", []) if r.get("light") == "red"):
            doc.body(
                _("%(code)s“%(title)s”（%(department)s），逾期%(days)s个工作日。")
                % {
                    "code": row["code"],
                    "title": row["title"],
                    "department": row["department"],
                    "days": row.get("overdue_working_days", 0),
                }
            )
    if meeting.minutes.strip():
        doc.heading(_("%(n)s、会议讨论情况") % {"n": next(headings)})
        for paragraph in meeting.minutes.splitlines():
            if paragraph.strip():
                doc.body(paragraph.strip())
    decisions = list(meeting.decisions.all())
    if decisions:
        doc.heading(_("%(n)s、会议议定事项") % {"n": next(headings)})
        for index, decision in enumerate(decisions, start=1):
            details = []
            if decision.responsible_department:
                details.append(_("责任单位：%(d)s") % {"d": decision.responsible_department.name})
            if decision.due_on:
                details.append(_("完成时限：%(d)s") % {"d": date_cn(decision.due_on)})
            suffix = f"（{'；'.join(details)}）" if details else ""
            text = decision.text.strip().rstrip("。")
            doc.body(f"{index}.{text}{suffix}。")
    if meeting.focus_next_month.strip():
        doc.heading(_("%(n)s、下月督导重点") % {"n": next(headings)})
        for paragraph in meeting.focus_next_month.splitlines():
            if paragraph.strip():
                doc.body(paragraph.strip())
    present = list(meeting.present.all())
    absent = [user for user in meeting.attendees.all() if user not in present]
    doc.blank(1)
    if present:
        doc.labelled(_("出席："), "，".join(_person(user) for user in present))
    if absent:
        doc.labelled(_("请假："), "，".join(_person(user) for user in absent))
    departments = [department.name for department in meeting.attending_departments.all()]
    doc.imprint(copy_to="，".join(departments), printed_by=issuer.name)
    return doc.save()
