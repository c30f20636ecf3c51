"""The monthly 通报 as an official document: 版头, title, 主送机关, the 通报's sections, the
attachments' tables, 署名 and 成文日期 (the freeze date of a closed month), 版记."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from reports.documents.layout import Issuer, OfficialDocument
from reports.documents.numbering import document_number_text
from reports.figures import Month, ReportScope
from reports.models import DocumentKind
from reports.services import SummaryView, document_number_for


def bulletin_date(view: SummaryView) -> dt.date:
    """A closed month is dated the day it was frozen; the live month, today."""
    if view.frozen is not None:
        return timezone.localdate(view.frozen.frozen_at)
    return timezone.localdate()


def _rate(value) -> str:
    return "—" if value is None else f"{value:g}%"


def bulletin_docx(
    *,
    month: Month,
    scope: ReportScope,
    view: SummaryView,
    actor: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The 通报 as .docx; `progress` is told of each attachment table row (export jobs)."""
    figures = view.figures
    day = bulletin_date(view)
    issuer = Issuer.from_settings()
    number = document_number_for(kind=DocumentKind.BULLETIN, key=f"{month}:{scope.key}", document_date=day, actor=actor)
    bulletin = view.bulletin
    doc = OfficialDocument(issuer=issuer, document_date=day, title=bulletin.title, subject=_("督导通报"))
    doc.masthead(number=document_number_text(number, issuer=issuer))
    doc.title(bulletin.title)
    doc.recipients(settings.DUDAO_BULLETIN_RECIPIENTS)
    for section in bulletin.sections:
        doc.heading(section.heading)
        for paragraph in section.paragraphs:
            doc.body(paragraph)
    ranking = figures.get("ranking")  # None for a month judged before the 红黑榜 rule
    listed = []
    if ranking:
        listed = [(_("红榜"), row) for row in ranking["red"]] + [(_("黑榜"), row) for row in ranking["black"]]
    # (title, header, rows, note under the table) of each attachment, in order
    attachments: list[tuple[str, list, list, str]] = []
    if listed:
        attachments.append(
            (
                _("责任单位红黑榜"),
                [_("榜单"), _("责任单位"), _("列榜理由")],
                [[kind, r["name"], r["reason"]] for kind, r in listed],
                _("评定规则：") + ranking["rules_text"]["red"] + ranking["rules_text"]["black"],
            )
        )
    attachments.append(
        (
            _("各责任单位整改情况统计表"),
            [_("责任单位"), _("新交办"), _("已销号"), _("按期销号"), _("未办结"), _("逾期"), _("按期整改率")],
            [
                [
                    r["name"],
                    r["handed_off"],
                    r["closed"],
                    r["closed_on_time"],
                    r["open"],
                    r["overdue"],
                    _rate(r["on_time_rate"]),
                ]
                for r in figures["departments"]
            ],
            "",
        )
    )
    if figures["overdue_list"]:
        hidden = figures["overdue_list_total"] - len(figures["overdue_list"])
        attachments.append(
            (
                _("逾期未整改问题清单"),
                [_("编号"), _("问题"), _("责任单位"), _("整改时限"), _("逾期（工作日）")],
                [
                    [r["code"], r["title"], r["department"], r["deadline"], r["working_days_overdue"]]
                    for r in figures["overdue_list"]
                ],
                _("另有%(n)s件逾期问题详见整改台账。") % {"n": hidden} if hidden > 0 else "",
            )
        )
    doc.attachments_note([title for title, *_rest in attachments])
    doc.signature()
    for index, (title, header, rows, note) in enumerate(attachments, start=1):
        doc.attachment(index if len(attachments) > 1 else None, title)
        doc.table(header, rows, on_row=progress)
        if note:
            doc.body(note)
    doc.imprint(copy_to=settings.DUDAO_BULLETIN_COPY_TO)
    return doc.save()
