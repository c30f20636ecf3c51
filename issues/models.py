"""The issue workflow's records: the issue (交办问题) with its status and deadlines, its events,
progress updates with evidence, extension requests, leaders' instructions and case records.

Rules live elsewhere: who may do what in issues.workflow / issues.rules, every write in
issues.services, the deadline facts (overdue, due soon, on time) in issues.conditions. The
constraints below hold what must never be false whatever code writes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.models import StoredFile
from inspections.models import Finding, SiteVisit
from projects.models import Project

# A deadline this many working days away (or fewer) turns the light yellow.
DUE_SOON_WORKING_DAYS = 3


class IssueStatus(models.TextChoices):
    HANDED_OFF = "handed_off", _("已交办")
    IN_PROGRESS = "in_progress", _("整改中")
    SUBMITTED = "submitted", _("待核验")
    # An inspector verified the evidence and proposed 销号; the group lead (or a leader) confirms it.
    CLOSE_PROPOSED = "close_proposed", _("待确认销号")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤销")


OPEN_STATUSES = (IssueStatus.HANDED_OFF, IssueStatus.IN_PROGRESS, IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED)
# States in which the inspectors hold the issue: the department has finished and waits for 销号.
VERIFICATION_STATUSES = (IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED)
# States in which the department still owes work: only these can run late.
DEPARTMENT_OWES_STATUSES = (IssueStatus.HANDED_OFF, IssueStatus.IN_PROGRESS)


class IssueCategory(models.TextChoices):
    WORK_STYLE = "work_style", _("干部作风")
    BUSINESS_ENVIRONMENT = "business_environment", _("营商环境")
    FACTOR_GUARANTEE = "factor_guarantee", _("要素保障")
    APPROVAL = "approval", _("审批手续")
    OTHER = "other", _("其他")


class IssueSeverity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    CRITICAL = "critical", _("严重")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    NONE = "none", _("已办结")


class Issue(models.Model):
    """交办问题: handed off point-to-point to ONE lead department. Status changes only through
    issues.services (compare-and-set on `status` + `version`, one IssueEvent per change)."""

    code = models.CharField(_("编号"), max_length=30, unique=True)
    project = models.ForeignKey(Project, verbose_name=_("所属项目"), on_delete=models.PROTECT, related_name="issues")
    title = models.CharField(_("问题标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    category = models.CharField(_("问题类别"), max_length=30, choices=IssueCategory.choices)
    severity = models.CharField(
        _("严重程度"), max_length=20, choices=IssueSeverity.choices, default=IssueSeverity.GENERAL
    )
    source_visit = models.ForeignKey(
        SiteVisit, verbose_name=_("来源检查"), on_delete=models.PROTECT, null=True, blank=True, related_name="issues"
    )
    source_finding = models.OneToOneField(
        Finding, verbose_name=_("来源发现"), on_delete=models.PROTECT, null=True, blank=True, related_name="issue"
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="led_issues"
    )
    assisting_departments = models.ManyToManyField(
        Department, verbose_name=_("协办单位"), related_name="assisted_issues", blank=True
    )
    handed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="issues_handed_off"
    )
    handed_off_at = models.DateTimeField(_("交办时间"), default=timezone.now)
    sign_deadline = models.DateField(_("签收时限"))
    rectification_deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.HANDED_OFF)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交核验时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    close_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出销号人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_proposed_at = models.DateTimeField(_("提出销号时间"), null=True, blank=True)
    # A database default too: rows written in bulk outside the ORM (the scale-data generator) omit it.
    verification_opinion = models.TextField(_("核验意见"), blank=True, default="", db_default="")
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    progress_percent = models.PositiveSmallIntegerField(_("整改进度（%）"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("交办问题")
        verbose_name_plural = _("交办问题")
        ordering = ["-handed_off_at", "-id"]
        indexes = [
            models.Index(fields=["status", "rectification_deadline"], name="issue_status_deadline"),
            models.Index(fields=["lead_department", "status"], name="issue_department_status"),
            models.Index(fields=["project", "status"], name="issue_project_status"),
            # The ledger newest hand-off first, every scope: the page's ids are read from this index
            # alone (core.dataversion.CountedRows), the scope tested on the index entry, so an
            # inspector's or a liaison's page walks index entries, not the rows of other projects'
            # and departments' issues (9,700 row reads for an inspector's page at 10 × S).
            models.Index(
                fields=["handed_off_at", "id"],
                include=["project", "lead_department", "status"],
                name="issue_handed_off_scope",
            ),
            # A status's list newest hand-off first (the ledger filtered by status, 已销号 and
            # 已撤销 drill-downs): read in order from the status's own rows, not by walking every
            # newer issue of other statuses (tests/issues/test_views_ledger.py, EXPLAIN).
            models.Index(fields=["status", "handed_off_at", "id"], name="issue_status_handed_off_at"),
            # The red and yellow lists, newest hand-off first: only issues the department still
            # owes work on (a few percent of a city's issues) instead of all of them (bench/). The
            # deadline is a key column so "deadline passed" (red) is tested in the index, without
            # fetching the newer issues that are not late yet (16,000 rows at 3 × S). The scope's
            # columns are included for an inspector's or a liaison's red list, as above (an
            # inspector's red page fetched 8,000 rows to test their projects at 10 × S: 21–69 ms).
            models.Index(
                fields=["handed_off_at", "id", "rectification_deadline"],
                include=["project", "lead_department"],
                name="issue_owes_handed_off_scope",
                condition=Q(status__in=["handed_off", "in_progress"]),
            ),
            models.Index(fields=["closed_at"], name="issue_closed_at"),
            # The live summary's overdue list, longest overdue first (reports.figures._judge_period):
            # its first rows in order, however many issues are overdue.
            models.Index(
                fields=["rectification_deadline", "id"],
                name="issue_unsubmitted_deadline",
                condition=Q(status__in=["handed_off", "in_progress", "submitted", "close_proposed"])
                & Q(submitted_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in IssueStatus]), name="issue_status_valid"),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in IssueCategory]), name="issue_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=[s.value for s in IssueSeverity]), name="issue_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(rectification_deadline__gte=F("sign_deadline")), name="issue_deadlines_ordered"
            ),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="issue_progress_percent_range"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="issue_closed_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False), name="issue_withdrawn_has_time"
            ),
            models.CheckConstraint(
                condition=Q(status="handed_off") | Q(status="withdrawn") | Q(signed_at__isnull=False),
                name="issue_signed_before_progress",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="issue_title_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="close_proposed")
                | Q(close_proposed_by__isnull=False, close_proposed_at__isnull=False),
                name="issue_close_proposal_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past the rectification deadline while the department still owes the work (issues.conditions)."""
        from issues.conditions import OVERDUE

        return OVERDUE.holds(self, today=today or timezone.localdate())

    def is_sign_overdue(self, today: dt.date | None = None) -> bool:
        """Still not signed for after the sign-for deadline (issues.conditions)."""
        from issues.conditions import SIGN_OVERDUE

        return SIGN_OVERDUE.holds(self, today=today or timezone.localdate())

    def overdue_working_days(self, today: dt.date | None = None) -> int:
        from core.workdays import working_days_between

        today = today or timezone.localdate()
        if not self.is_overdue(today):
            return 0
        return working_days_between(self.rectification_deadline, today)

    def light(self, today: dt.date | None = None) -> Light:
        """green on time; yellow within 3 working days of the deadline or sign-for deadline passed;
        red overdue; none once closed or withdrawn. The same rule as the SQL of
        issues.lights.light_annotation / light_q (both read issues.conditions)."""
        from issues.lights import light_for

        return light_for(
            status=self.status,
            sign_deadline=self.sign_deadline,
            rectification_deadline=self.rectification_deadline,
            today=today or timezone.localdate(),
        )


class IssueEvent(models.Model):
    class Action(models.TextChoices):
        HAND_OFF = "hand_off", _("交办")
        SIGN = "sign", _("签收")
        PROGRESS = "progress", _("报送进展")
        NOTE = "note", _("协办说明")
        SUBMIT = "submit", _("提交核验")
        RETURN = "return", _("退回重办")
        REVIEW_EVIDENCE = "review_evidence", _("审核佐证材料")
        PROPOSE_CLOSE = "propose_close", _("提出销号")
        REJECT_CLOSE = "reject_close", _("退回核验")
        CLOSE = "close", _("确认销号")
        REOPEN = "reopen", _("重新整改")
        WITHDRAW = "withdraw", _("撤销")
        EXTENSION_REQUEST = "extension_request", _("申请延期")
        EXTENSION_APPROVE = "extension_approve", _("同意延期")
        EXTENSION_DENY = "extension_deny", _("不同意延期")
        EXTENSION_LAPSE = "extension_lapse", _("延期申请失效")
        INSTRUCTION = "instruction", _("领导批示")
        EDIT = "edit", _("修改交办内容")
        RECHECK = "recheck", _("回头看")

    issue = models.ForeignKey(Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="issue_events"
    )
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=IssueStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=IssueStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("问题流转记录")
        verbose_name_plural = _("问题流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at"], name="issue_event_timeline")]

    def __str__(self) -> str:
        return f"{self.issue.code} {self.get_action_display()}"


class ProgressUpdate(models.Model):
    """整改进展 from the lead department (with percent) or a note from an assisting department."""

    issue = models.ForeignKey(Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT)
    department = models.ForeignKey(Department, verbose_name=_("报送单位"), on_delete=models.PROTECT)
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), null=True, blank=True)
    created_at = models.DateTimeField(_("报送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at"], name="progress_issue_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100), name="progress_percent_range"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="progress_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.issue.code} {self.created_at:%Y-%m-%d}"


class EvidenceFile(StoredFile):
    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("整改进展"), on_delete=models.PROTECT, related_name="evidence"
    )

    @property
    def review_history(self) -> list[EvidenceReview]:
        """Every verdict on the file, oldest first (the last one counts); reads a prefetch if any."""
        return list(self.reviews.all())

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]


class EvidenceReview(models.Model):
    """One inspector's verdict on one evidence file while verifying (已审 / 不足 with a note). Every
    verdict is kept: the latest is the file's current state, the earlier ones its history."""

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("已审")
        INSUFFICIENT = "insufficient", _("不足")

    evidence = models.ForeignKey(
        EvidenceFile, verbose_name=_("佐证材料"), on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("审核结论"), max_length=20, choices=Verdict.choices)
    note = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("审核时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料审核")
        verbose_name_plural = _("佐证材料审核")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["evidence", "created_at"], name="evidence_review_history")]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["accepted", "insufficient"]), name="evidence_review_verdict_valid"
            ),
            models.CheckConstraint(
                condition=~Q(verdict="insufficient") | ~Q(note=""), name="evidence_review_insufficient_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} {self.get_verdict_display()}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        DENIED = "denied", _("未同意")
        # The issue was closed or withdrawn before anyone decided: nothing left to extend.
        LAPSED = "lapsed", _("已失效")

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("延期理由"))
    current_deadline = models.DateField(_("原整改时限"))
    requested_deadline = models.DateField(_("申请延至"))
    status = models.CharField(_("审批状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=Q(status="pending"), name="extension_one_pending_per_issue"
            ),
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=F("current_deadline")), name="extension_moves_deadline_later"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="extension_decided_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue.code} → {self.requested_deadline:%Y-%m-%d}"


class Instruction(models.Model):
    """领导批示 on an issue: shown prominently and notified to the lead department."""

    issue = models.ForeignKey(Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批示领导"), on_delete=models.PROTECT)
    text = models.TextField(_("批示内容"))
    created_at = models.DateTimeField(_("批示时间"), default=timezone.now)

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="instruction_text_not_empty")]

    def __str__(self) -> str:
        return f"{self.issue.code} {self.leader}"


class RecheckResult(models.TextChoices):
    RECTIFIED = "rectified", _("已整改到位")
    NOT_RECTIFIED = "not_rectified", _("未整改到位")
    REBOUND = "rebound", _("反弹")


# The results that send the issue back to the department (reopened, or returned if not yet closed).
RECHECK_FAILED_RESULTS = (RecheckResult.NOT_RECTIFIED, RecheckResult.REBOUND)


class IssueRecheck(models.Model):
    """回头看 of one issue on one re-check visit: what the inspectors found, with photos. Written by
    issues.services.issue_recheck_record; a finding of 反弹 or 未整改到位 sends the issue back."""

    Result = RecheckResult

    issue = models.ForeignKey(Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="rechecks")
    visit = models.ForeignKey(
        SiteVisit, verbose_name=_("回头看检查记录"), on_delete=models.PROTECT, related_name="issue_rechecks"
    )
    result = models.CharField(_("回头看结论"), max_length=20, choices=RecheckResult.choices)
    note = models.TextField(_("回头看情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("问题回头看")
        verbose_name_plural = _("问题回头看")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "visit"], name="recheck_once_per_visit"),
            models.CheckConstraint(
                condition=Q(result__in=["rectified", "not_rectified", "rebound"]), name="recheck_result_valid"
            ),
            models.CheckConstraint(condition=Q(result="rectified") | ~Q(note=""), name="recheck_failure_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.issue.code} {self.get_result_display()}"


class RecheckPhoto(StoredFile):
    recheck = models.ForeignKey(
        IssueRecheck, verbose_name=_("问题回头看"), on_delete=models.PROTECT, related_name="photos"
    )

    class Meta:
        verbose_name = _("回头看照片")
        verbose_name_plural = _("回头看照片")
        ordering = ["uploaded_at", "id"]


class CaseRecord(models.Model):
    """Superseded by clues.Clue (issue 18): nothing reads or writes this table any more. Its rows
    were copied into clues by clues/migrations/0002_from_case_records.py, which keeps every old
    value in the clue's first event; the table stays so no record is lost."""

    class Stage(models.TextChoices):
        LEAD = "lead", _("线索处置")
        INVESTIGATING = "investigating", _("立案审查")
        CONCLUDED = "concluded", _("已办结")

    issue = models.ForeignKey(Issue, verbose_name=_("来源问题"), on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(_("线索名称"), max_length=200)
    opened_on = models.DateField(_("受理日期"))
    stage = models.CharField(_("办理阶段"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=0)
    people_sanctioned = models.PositiveIntegerField(_("党纪政务处分人数"), default=0)
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True)
    publicly_notified = models.BooleanField(_("通报曝光"), default=False)
    notified_on = models.DateField(_("通报日期"), null=True, blank=True)
    notified_cases = models.PositiveIntegerField(_("通报起数"), default=0)
    notified_people = models.PositiveIntegerField(_("通报人数"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题线索")
        verbose_name_plural = _("问题线索")
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_sanctioned__lte=F("people_involved")), name="case_sanctioned_within_involved"
            ),
            models.CheckConstraint(
                condition=Q(publicly_notified=False) | Q(notified_on__isnull=False), name="case_notified_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title
