"""Chinese first, English available: the switch works and the English catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """(msgid, [msgstr …]) pairs of a .po file, continuation lines joined; header skipped."""
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields and fields["msgid"]:
            yield fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")]


def test_every_english_message_is_translated():
    entries = list(_entries(PO_FILE.read_text(encoding="utf-8")))
    assert len(entries) > 300
    untranslated = [msgid for msgid, strs in entries if not strs or any(not s for s in strs)]
    assert untranslated == []
    assert "#, fuzzy" not in PO_FILE.read_text(encoding="utf-8").split("msgid", 2)[2]


@pytest.mark.django_db
def test_default_language_is_chinese_and_switch_to_english(client, world):
    client.force_login(world.inspector)
    html = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in html and "我督导的项目" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html
    assert "My projects" in html and "Rectification ledger" in html and "Sign out" in html
    html = client.get(reverse("projects:detail", args=[world.project.pk])).content.decode()
    assert "Procedures and blockages" in html and "Log a visit" in html


@pytest.mark.django_db
def test_english_form_errors(client, world):
    client.force_login(world.inspector)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("inspections:create") + f"?project={world.project.pk}",
        {"visited_on": "", "place": "", "summary": "", "findings-TOTAL_FORMS": "0", "findings-INITIAL_FORMS": "0"},
    )
    html = response.content.decode()
    assert "Please enter the place." in html and "Choose at least one method." in html
