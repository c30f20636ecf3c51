"""The committed English catalogue (.mo) is compiled from the .po beside it: a merge that
brings new .po entries and an older .mo (compilemessages skips a .mo newer than its .po) would
otherwise ship Chinese text to English readers with every test of the .po passing."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
ENTRY = re.compile(r'^msgid (".*")\nmsgstr (".*")$', re.M)


def test_every_single_line_entry_of_the_po_is_in_the_compiled_catalogue():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    blocks = [block for block in po.split("\n\n") if "#, fuzzy" not in block]
    pairs = [
        (ast.literal_eval(match[1]), ast.literal_eval(match[2]))
        for block in blocks
        for match in ENTRY.finditer(block)
        if "msgctxt" not in block
    ]
    pairs = [(msgid, msgstr) for msgid, msgstr in pairs if msgid and msgstr]
    assert len(pairs) > 500
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in pairs if catalogue.gettext(msgid) != msgstr]
    assert not stale, f"{len(stale)} entries not compiled, e.g. {stale[:3]}: run compilemessages"
