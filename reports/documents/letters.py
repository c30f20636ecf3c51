"""The 问题交办函 to one lead department for one or more issues, with its 签收回执 (a tear-off
receipt page), and the 督办单 of an overdue issue."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.workdays import add_working_days
from issues.models import Issue
from reports.documents.layout import Issuer, OfficialDocument, date_cn
from reports.documents.numbering import document_number_text
from reports.models import DocumentKind, DocumentNumber
from reports.services import document_number_for

# Working days a department has to answer a 督办单.
SUPERVISION_REPLY_WORKING_DAYS = 5


def letter_key(*, department_id: int, issue_ids: Sequence[int]) -> str:
    """The same issues to the same department are the same letter, whatever order they come in."""
    ids = ",".join(str(pk) for pk in sorted(issue_ids))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:32]
    return f"{department_id}:{digest}"


def _letter_key(issues: Sequence[Issue]) -> str:
    return letter_key(department_id=issues[0].lead_department_id, issue_ids=[issue.pk for issue in issues])


def handoff_letter_number(
    *, department_id: int, issue_ids: Sequence[int], document_date: dt.date, actor: User | None = None
) -> DocumentNumber:
    """The 发文字号 of the 交办函 of these issues to that department, taken now (an import batch
    numbers its letters when it is handed off); handoff_letter_docx of the same issues reuses it."""
    return document_number_for(
        kind=DocumentKind.HANDOFF_LETTER,
        key=letter_key(department_id=department_id, issue_ids=issue_ids),
        document_date=document_date,
        actor=actor,
    )


def _assisting(issue: Issue) -> str:
    return "、".join(department.name for department in issue.assisting_departments.all())


def handoff_letter_docx(*, issues: Sequence[Issue], actor: User | None = None) -> bytes:
    """One letter to the lead department of `issues` (all of one department, with project, lead
    department and assisting departments loaded), dated the latest hand-off among them."""
    department = issues[0].lead_department
    day = max(timezone.localdate(issue.handed_off_at) for issue in issues)
    issuer = Issuer.from_settings()
    number = document_number_for(
        kind=DocumentKind.HANDOFF_LETTER, key=_letter_key(issues), document_date=day, actor=actor
    )
    number_text = document_number_text(number, issuer=issuer)
    title = _("关于交办重大项目专项督导发现问题的函")
    doc = OfficialDocument(issuer=issuer, document_date=day, title=title, subject=_("问题交办函"))
    doc.masthead(number=number_text)
    doc.title(title)
    doc.recipients(department.name)
    projects = "、".join(dict.fromkeys(str(issue.project) for issue in issues))
    sign_by = min(issue.sign_deadline for issue in issues)
    doc.body(
        _(
            "我办在对%(projects)s开展专项督导中发现以下问题，现交由你单位牵头办理。请于%(sign)s前签收，"
            "按各问题整改时限整改到位，整改情况和佐证材料通过督导系统报送；需协办单位配合的，请主动对接。"
            "逾期未整改的，将按有关规定督办、通报。"
        )
        % {"projects": projects, "sign": date_cn(sign_by)}
    )
    if len(issues) == 1:
        issue = issues[0]
        for label, value in (
            (_("问题编号："), issue.code),
            (_("问题名称："), issue.title),
            (_("所属项目："), str(issue.project)),
            (_("问题描述："), issue.description),
            (_("协办单位："), _assisting(issue) or _("无")),
            (_("签收时限："), date_cn(issue.sign_deadline)),
            (_("整改时限："), date_cn(issue.rectification_deadline)),
        ):
            doc.labelled(label, value)
    else:
        doc.body(_("交办问题共%(n)s件，清单如下：") % {"n": len(issues)})
        doc.table(
            [_("序号"), _("编号"), _("问题"), _("所属项目"), _("协办单位"), _("整改时限")],
            [
                [
                    index,
                    issue.code,
                    f"{issue.title}：{issue.description}",
                    str(issue.project),
                    _assisting(issue),
                    f"{issue.rectification_deadline:%Y-%m-%d}",
                ]
                for index, issue in enumerate(issues, start=1)
            ],
        )
    contact = issues[0].handed_off_by
    doc.blank(1)
    doc.body(
        _("联系人：%(name)s%(phone)s")
        % {"name": contact.display_name, "phone": f"，{contact.phone}" if contact.phone else ""}
    )
    doc.signature()
    doc.imprint(copy_to="，".join(dict.fromkeys(_assisting(issue) for issue in issues if _assisting(issue))))
    _receipt(doc, number_text=number_text, issues=issues, department=department.name, sign_by=sign_by)
    return doc.save()


def _receipt(doc: OfficialDocument, *, number_text: str, issues: Sequence[Issue], department: str, sign_by: dt.date):
    """签收回执 on its own page: a dashed cut line, then a form the department fills in and returns."""
    doc.page_break()
    doc.paragraph(_("（沿此线剪下）") + "- " * 20, indent_chars=0)
    doc.blank(1)
    doc.title(_("签收回执"))
    doc.table(
        [_("项目"), _("内容")],
        [
            [_("交办函文号"), number_text],
            [_("交办问题"), "、".join(issue.code for issue in issues)],
            [_("签收单位"), department],
            [_("签收人"), ""],
            [_("联系电话"), ""],
            [_("签收时间"), _("    年  月  日")],
            [_("承办人及初步措施"), "\n\n\n"],
        ],
    )
    doc.blank(1)
    doc.body(
        _("请于%(day)s前在督导系统中签收，或将本回执签字盖章后交回%(issuer)s。")
        % {"day": date_cn(sign_by), "issuer": doc.issuer.name}
    )


def supervision_docx(*, issue: Issue, actor: User | None = None, today: dt.date | None = None) -> bytes:
    """The 督办单 of an overdue issue (the caller checks it is overdue), dated the day it is first
    exported for the current deadline, with the working days it is late and a reply deadline five
    working days on. An extended deadline makes a new 督办单 (a new number) when it runs late again."""
    today = today or timezone.localdate()
    issuer = Issuer.from_settings()
    number = document_number_for(
        kind=DocumentKind.SUPERVISION,
        key=f"{issue.pk}:{issue.rectification_deadline}",
        document_date=today,
        actor=actor,
    )
    # Exported again, the same 督办单 reads the same: as of the day it was first issued.
    today = day = number.document_date
    late = issue.overdue_working_days(today)
    reply_by = add_working_days(today, SUPERVISION_REPLY_WORKING_DAYS)
    title = _("重大项目专项督导问题督办单")
    doc = OfficialDocument(issuer=issuer, document_date=day, title=title, subject=_("督办单"))
    doc.masthead(number=document_number_text(number, issuer=issuer))
    doc.title(title)
    doc.recipients(issue.lead_department.name)
    doc.body(
        _(
            "我办于%(handed)s交由你单位办理的“%(title)s”问题（编号%(code)s），整改时限为%(deadline)s，"
            "截至%(today)s已逾期%(late)s个工作日，仍未整改到位。现予以督办，请你单位于%(reply)s前整改到位，"
            "并将整改情况和佐证材料通过督导系统报送；确有客观原因不能按期完成的，请书面说明原因、措施和完成时限。"
            "逾期仍未整改的，将按有关规定予以通报并追究相关人员责任。"
        )
        % {
            "handed": date_cn(timezone.localdate(issue.handed_off_at)),
            "title": issue.title,
            "code": issue.code,
            "deadline": date_cn(issue.rectification_deadline),
            "today": date_cn(today),
            "late": late,
            "reply": date_cn(reply_by),
        }
    )
    doc.table(
        [_("项目"), _("内容")],
        [
            [_("督办事项"), f"{issue.title}：{issue.description}"],
            [_("所属项目"), str(issue.project)],
            [_("责任单位"), issue.lead_department.name],
            [_("协办单位"), _assisting(issue) or _("无")],
            [_("交办时间"), date_cn(timezone.localdate(issue.handed_off_at))],
            [_("整改时限"), date_cn(issue.rectification_deadline)],
            [_("逾期"), _("%(n)s个工作日") % {"n": late}],
            [_("当前状态"), str(issue.get_status_display())],
            [_("办理时限"), date_cn(reply_by)],
        ],
    )
    doc.signature()
    doc.imprint(copy_to=_assisting(issue))
    return doc.save()
