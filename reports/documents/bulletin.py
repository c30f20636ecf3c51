"""The monthly 通报 as an official document: 版头, title, 主送机关, the 通报's sections, the
attachments' tables, 署名 and 成文日期 (the freeze date of a closed month), 版记."""

from __future__ import annotations

import datetime as dt

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


def bulletin_docx(*, month: Month, scope: ReportScope, view: SummaryView, actor: User | None = None) -> bytes:
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
    attachments = [_("各责任单位整改情况统计表")]
    if figures["overdue_list"]:
        attachments.append(_("逾期未整改问题清单"))
    doc.attachments_note(attachments)
    doc.signature()
    doc.attachment(1 if len(attachments) > 1 else None, attachments[0])
    doc.table(
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
    )
    if figures["overdue_list"]:
        doc.attachment(2, attachments[1])
        doc.table(
            [_("编号"), _("问题"), _("责任单位"), _("整改时限"), _("逾期（工作日）")],
            [
                [r["code"], r["title"], r["department"], r["deadline"], r["working_days_overdue"]]
                for r in figures["overdue_list"]
            ],
        )
        hidden = figures["overdue_list_total"] - len(figures["overdue_list"])
        if hidden > 0:
            doc.body(_("另有%(n)s件逾期问题详见整改台账。") % {"n": hidden})
    doc.imprint(copy_to=settings.DUDAO_BULLETIN_COPY_TO)
    return doc.save()
