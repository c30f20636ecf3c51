"""The monthly summary's JSON shape (/api/v1/summaries/{yyyy}-{mm})."""

from rest_framework import serializers


class SummaryScopeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="all 或 group-<id> / 'all' or 'group-<id>'")
    label = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="yyyy-mm")
    scope = SummaryScopeSerializer()
    available_scopes = SummaryScopeSerializer(many=True, help_text="当前用户可读的范围 / scopes the caller may read")
    live = serializers.BooleanField(help_text="本月为实时数据，已结束月份为冻结快照 / live (current month) or frozen")
    frozen_at = serializers.DateTimeField(allow_null=True)
    narrative = serializers.CharField(help_text="通报文字 / narrative text")
    figures = serializers.JSONField(help_text="月度数据（交办、销号、逾期、按单位、按项目……）/ the month's figures")
