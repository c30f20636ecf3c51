"""The monthly summary's JSON shape (/api/v1/summaries/{yyyy}-{mm})."""

from rest_framework import serializers


class SummaryScopeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="all 或 group-<id> / 'all' or 'group-<id>'")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label": the stubs know only Field.label


class BulletinSectionSerializer(serializers.Serializer):
    heading = serializers.CharField(help_text="一、总体情况 … 四、下步工作要求（旧的冻结月份为空）/ section heading")
    paragraphs = serializers.ListField(child=serializers.CharField())


class BulletinSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="关于…的通报 / the bulletin's title")
    sections = BulletinSectionSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="yyyy-mm")
    scope = SummaryScopeSerializer()
    available_scopes = SummaryScopeSerializer(many=True, help_text="当前用户可读的范围 / scopes the caller may read")
    live = serializers.BooleanField(help_text="本月为实时数据，已结束月份为冻结快照 / live (current month) or frozen")
    frozen_at = serializers.DateTimeField(allow_null=True)
    narrative = serializers.CharField(help_text="通报全文（纯文本）/ the bulletin as plain text")
    bulletin = BulletinSerializer(help_text="通报：标题与各部分 / the bulletin's title and sections")
    figures = serializers.JSONField(
        help_text="月度数据（交办、销号、逾期、按单位、按项目、红黑榜 ranking……）/ the month's figures, ranking included"
    )
