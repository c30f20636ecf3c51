"""What the cells of a 问题清单 row mean, and what is wrong with them — each error named in Chinese
with its column. Reads the database through one Lookups per file (the inspector's projects, the
departments, the deadline arithmetic), so checking a row costs no query; duplicates of open issues
are looked up per chunk of rows (`mark_duplicates`), one query per chunk.

The rules are the hand-off service's (issues.services.issue_hand_off): a row that passes here is
one the service accepts, and the service checks it again when the batch is handed off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, DepartmentKind, User
from core.i18n import system_language
from core.text import FORBIDDEN_RE
from core.workdays import add_working_days
from intake.sheet import COLUMN_BY_KEY, COLUMNS, DEADLINE_KEYS, SheetRow, header_labels
from issues.models import OPEN_STATUSES, Issue, IssueCategory, IssueSeverity
from issues.services import DEFAULT_RECTIFICATION_WORKING_DAYS, DEFAULT_SIGN_WORKING_DAYS
from projects.models import Project
from projects.selectors import project_ids_for_inspector

MAX_WORKING_DAYS = 250
DEPARTMENT_SEPARATORS = re.compile(r"[、，,；;/／\n]+")
DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
DAYS_PATTERN = re.compile(r"^(\d{1,4})\s*(?:个)?\s*(?:工作日|天)?$")
DISCIPLINE_KINDS = (DepartmentKind.COMMISSION, DepartmentKind.DISPATCHED_GROUP, DepartmentKind.COUNTY_COMMISSION)
TITLE_LENGTH = 60
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def description_digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Deadlines:
    """Deadline rules ({"days": n} or {"date": iso}) as dates counted from `today`, each number of
    working days computed once (one query for the holiday overrides each)."""

    today: dt.date
    _dates: dict[int, dt.date] = field(default_factory=dict)

    def deadline(self, rule: dict[str, Any]) -> dt.date:
        if "date" in rule:
            return dt.date.fromisoformat(rule["date"])
        days = int(rule["days"])
        if days not in self._dates:
            self._dates[days] = add_working_days(self.today, days)
        return self._dates[days]


@dataclass
class Lookups:
    """Everything a file's rows are checked against, read once per file (or per confirmation)."""

    user: User
    today: dt.date
    projects: dict[str, int]  # name → id, the inspector's projects only
    departments: dict[str, Department]  # name and short name → department (all of them)
    rectifying: set[int]
    categories: dict[str, str]  # label or value → value
    severities: dict[str, str]
    deadlines: Deadlines

    @classmethod
    def for_user(cls, user: User, *, today: dt.date | None = None) -> Lookups:
        projects = Project.objects.filter(pk__in=project_ids_for_inspector(user=user)).values_list("name", "pk")
        departments: dict[str, Department] = {}
        for department in Department.objects.all():
            departments.setdefault(_key(department.name), department)
            if department.short_name:
                departments.setdefault(_key(department.short_name), department)
        rectifying = set(Department.objects.rectifying().values_list("pk", flat=True))
        with system_language():
            categories = {_key(str(label)): value for value, label in IssueCategory.choices}
            severities = {_key(str(label)): value for value, label in IssueSeverity.choices}
        categories.update({value: value for value in IssueCategory.values})
        severities.update({value: value for value in IssueSeverity.values})
        today = today or timezone.localdate()
        return cls(
            user=user,
            today=today,
            deadlines=Deadlines(today),
            projects={_key(name): pk for name, pk in projects},
            departments=departments,
            rectifying=rectifying,
            categories=categories,
            severities=severities,
        )

    def deadline(self, rule: dict[str, Any]) -> dt.date:
        """A stored deadline rule as a date, counted from today."""
        return self.deadlines.deadline(rule)


def _key(text: str) -> str:
    return "".join(str(text).split())


def _text(value: Any) -> str:
    """A cell as the text shown in the preview and checked by the rules."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}" if value.time() == dt.time() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # OOXML writes characters XML cannot hold as _xHHHH_ (ST_Xstring); the read-only reader leaves
    # them escaped. Decoded, a vertical tab from Word is found as the control character it is.
    text = OOXML_ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), str(value))
    return text.replace("\r\n", "\n").strip()


@dataclass
class CheckedRow:
    number: int
    cells: dict[str, str]
    errors: list[dict[str, str]]
    resolved: dict[str, Any]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})


def _deadline_rule(value: Any, text: str) -> tuple[dict[str, Any] | None, str | None]:
    """({"days": n} | {"date": iso}, None) or (None, why not)."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return {"date": day.isoformat()}, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            return None, _("工作日数须为整数")
        text = str(int(value))
    days = DAYS_PATTERN.match(text)
    if days:
        number = int(days.group(1))
        if not 1 <= number <= MAX_WORKING_DAYS:
            return None, _("工作日数须在1至%(max)s之间") % {"max": MAX_WORKING_DAYS}
        return {"days": number}, None
    for pattern in DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            try:
                day = dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
            except ValueError:
                return None, _("“%(text)s”不是有效日期") % {"text": text}
            return {"date": day.isoformat()}, None
    return None, _("“%(text)s”既不是工作日数也不是日期（例如 20 或 2026-12-31）") % {"text": text[:30]}


def _department(lookups: Lookups, name: str) -> tuple[Department | None, str | None]:
    department = lookups.departments.get(_key(name))
    if department is None:
        return None, _("未找到单位“%(name)s”，请填写单位全称或简称（见模板“名录”页）") % {"name": name[:40]}
    if department.pk in lookups.rectifying:
        return department, None
    if department.kind in DISCIPLINE_KINDS:
        reason = _("“%(name)s”是纪检监察机构，不承担整改，不能作为责任单位或协办单位")
    elif not department.is_active:
        reason = _("“%(name)s”已停用，不能作为责任单位或协办单位")
    else:
        reason = _("“%(name)s”不是市直部门或县区政府，不能作为责任单位或协办单位")
    return None, reason % {"name": department.name}


def check_row(row: SheetRow, lookups: Lookups) -> CheckedRow:
    """The row's cells as text, its errors (column, message) and, for the cells that parsed, what
    they resolved to. Never raises for what a cell holds."""
    labels = header_labels()
    cells = {key: _text(value) for key, value in row.values.items()}
    checked = CheckedRow(number=row.number, cells=cells, errors=[], resolved={})
    with system_language():  # stored text: the preview is read again later
        for key, problem in row.problems:
            label = labels.get(key, "")
            checked.add(key, f"“{label}”{problem}" if label else problem)
        broken = {key for key, _problem in row.problems}
        for column in COLUMNS:
            text = cells.get(column.key, "")
            if column.key in broken:
                continue
            if not text:
                if column.required:
                    checked.add(column.key, _("“%(column)s”未填写（必填）") % {"column": labels[column.key]})
                continue
            if len(text) > column.max_length:
                checked.add(
                    column.key,
                    _("“%(column)s”过长（%(length)s字），不能超过%(max)s字")
                    % {"column": labels[column.key], "length": len(text), "max": column.max_length},
                )
                broken.add(column.key)
                continue
            found = FORBIDDEN_RE.search(text)
            if found:
                checked.add(
                    column.key,
                    _("“%(column)s”含有不可见的控制字符（第%(position)s个字符，编码U+%(code)s），请删除后重新上传")
                    % {
                        "column": labels[column.key],
                        "position": found.start() + 1,
                        "code": f"{ord(found.group()):04X}",
                    },
                )
                broken.add(column.key)
        _resolve(checked, row, lookups, labels, broken)
    return checked


def _resolve(checked: CheckedRow, row: SheetRow, lookups: Lookups, labels: dict[str, str], broken: set[str]) -> None:
    cells, resolved = checked.cells, checked.resolved

    def usable(key: str) -> str:
        return "" if key in broken else cells.get(key, "")

    if project := usable("project"):
        project_id = lookups.projects.get(_key(project))
        if project_id is None:
            checked.add(
                "project",
                _("“%(name)s”不是您督导的项目（须为您所在督导组或授权的项目，名称与系统一致）")
                % {"name": project[:40]},
            )
        else:
            resolved["project_id"] = project_id
    if description := usable("description"):
        resolved["description"] = description
        title = usable("title") or re.split(r"[。；;！!？?\n]", description, maxsplit=1)[0][:TITLE_LENGTH]
        resolved["title"] = title.strip() or description[:TITLE_LENGTH]
    if category := usable("category"):
        value = lookups.categories.get(_key(category))
        if value is None:
            choices = "、".join(label for label in lookups.categories if label not in IssueCategory.values)
            checked.add(
                "category",
                _("问题类别“%(value)s”无效，应为：%(choices)s") % {"value": category[:20], "choices": choices},
            )
        else:
            resolved["category"] = value
    severity = usable("severity")
    resolved["severity"] = IssueSeverity.GENERAL.value
    if severity:
        value = lookups.severities.get(_key(severity))
        if value is None:
            choices = "、".join(label for label in lookups.severities if label not in IssueSeverity.values)
            checked.add(
                "severity",
                _("严重程度“%(value)s”无效，应为：%(choices)s") % {"value": severity[:20], "choices": choices},
            )
        else:
            resolved["severity"] = value
    lead_id = None
    if lead := usable("lead_department"):
        department, reason = _department(lookups, lead)
        if reason:
            checked.add("lead_department", f"{labels['lead_department']}：{reason}")
        elif department is not None:
            lead_id = resolved["lead_department_id"] = department.pk
    assisting: list[int] = []
    if names := usable("assisting_departments"):
        for name in (part.strip() for part in DEPARTMENT_SEPARATORS.split(names)):
            if not name:
                continue
            department, reason = _department(lookups, name)
            if reason:
                checked.add("assisting_departments", f"{labels['assisting_departments']}：{reason}")
            elif department is not None and department.pk == lead_id:
                checked.add(
                    "assisting_departments",
                    _("“%(name)s”已是责任单位，不能同时作为协办单位") % {"name": department.name},
                )
            elif department is not None and department.pk not in assisting:
                assisting.append(department.pk)
    resolved["assisting_department_ids"] = assisting
    _resolve_deadlines(checked, row, lookups, labels, broken)


def _resolve_deadlines(
    checked: CheckedRow, row: SheetRow, lookups: Lookups, labels: dict[str, str], broken: set[str]
) -> None:
    defaults = {
        "sign_deadline": DEFAULT_SIGN_WORKING_DAYS,
        "rectification_deadline": DEFAULT_RECTIFICATION_WORKING_DAYS,
    }
    rules: dict[str, dict[str, Any]] = {}
    for key in DEADLINE_KEYS:
        if key in broken:
            continue
        text = checked.cells.get(key, "")
        if not text:
            rules[key] = {"days": defaults[key]}
            continue
        rule, reason = _deadline_rule(row.values.get(key), text)
        if rule is None:
            checked.add(key, f"{labels[key]}：{reason}")
        else:
            rules[key] = rule
    checked.resolved["deadlines"] = rules
    problems = deadline_problems(rules, lookups)
    for key, message in problems:
        checked.add(key, message)


def deadline_problems(rules: dict[str, dict[str, Any]], lookups: Lookups) -> list[tuple[str, str]]:
    """What is wrong with the deadlines as of `lookups.today` (a date passed since the preview
    is found again when the batch is handed off): the rectification deadline must lie in the
    future, the sign-for deadline not in the past nor after the rectification deadline."""
    labels = header_labels()
    dates = {key: lookups.deadline(rule) for key, rule in rules.items()}
    problems = []
    sign, rectification = dates.get("sign_deadline"), dates.get("rectification_deadline")
    if rectification is not None and rectification <= lookups.today:
        problems.append(
            (
                "rectification_deadline",
                _("%(column)s %(date)s 不在今天之后，请填写将来的日期或工作日数")
                % {"column": labels["rectification_deadline"], "date": f"{rectification:%Y-%m-%d}"},
            )
        )
    if sign is not None and sign < lookups.today:
        problems.append(
            (
                "sign_deadline",
                _("%(column)s %(date)s 早于今天") % {"column": labels["sign_deadline"], "date": f"{sign:%Y-%m-%d}"},
            )
        )
    if sign is not None and rectification is not None and rectification > lookups.today and sign > rectification:
        problems.append(("sign_deadline", _("签收时限不能晚于整改时限")))
    return problems


def mark_duplicates(
    rows: Sequence[CheckedRow], *, seen: dict[tuple[int, str], int], exclude_batch_id: int | None = None
) -> None:
    """Mark the rows of one chunk that repeat an open issue of the same project with the same
    问题描述 (one query for the chunk), or an earlier row of the same file (`seen`, carried from
    chunk to chunk: project and a digest of the description → first row number)."""
    candidates = [row for row in rows if "project_id" in row.resolved and "description" in row.resolved]
    if not candidates:
        return
    open_issues = Issue.objects.filter(
        status__in=OPEN_STATUSES,
        project_id__in={row.resolved["project_id"] for row in candidates},
        description__in={row.resolved["description"] for row in candidates},
    )
    if exclude_batch_id is not None:
        open_issues = open_issues.exclude(import_row__batch_id=exclude_batch_id)
    existing = {
        (project_id, description_digest(description)): code
        for project_id, description, code in open_issues.values_list("project_id", "description", "code")
    }
    with system_language():
        for row in candidates:
            key = (row.resolved["project_id"], description_digest(row.resolved["description"]))
            if key in existing:
                row.add(
                    "description",
                    _("与未办结问题 %(code)s 重复（同一项目、问题描述相同），请勿重复交办") % {"code": existing[key]},
                )
            elif key in seen:
                row.add("description", _("与本表第%(row)s行重复（同一项目、问题描述相同）") % {"row": seen[key]})
            else:
                seen[key] = row.number


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = [
    "COLUMN_BY_KEY",
    "CheckedRow",
    "Deadlines",
    "Lookups",
    "check_row",
    "chunked",
    "deadline_problems",
    "mark_duplicates",
]
