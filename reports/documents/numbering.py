"""How a 发文字号 reads: 发文机关代字 + 〔year〕 + number + 号, the kind told apart by one character."""

from __future__ import annotations

from reports.documents.layout import Issuer
from reports.models import DocumentKind, DocumentNumber

KIND_SUFFIX = {
    DocumentKind.BULLETIN: "通",
    DocumentKind.MINUTES: "纪",
    DocumentKind.HANDOFF_LETTER: "函",
    DocumentKind.SUPERVISION: "督",
}


def document_number_text(number: DocumentNumber, *, issuer: Issuer) -> str:
    """ "昭纪督通〔2026〕12号": the year in 六角括号, the number without leading zeros (GB/T 9704 7.2.4)."""
    return f"{issuer.code}{KIND_SUFFIX[DocumentKind(number.kind)]}〔{number.year}〕{number.number}号"
