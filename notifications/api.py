"""/api/v1/notifications: the caller's own inbox; mark one or all read."""

from __future__ import annotations

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import API_LOOKUP, StrictBooleanFilter, StrictQueryParamsMixin, error_responses
from notifications.models import Notification, NotificationKind
from notifications.selectors import notification_list_for
from notifications.serializers import MarkedReadSerializer, NotificationSerializer
from notifications.services import notification_mark_all_read, notification_mark_read


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="仅未读 / unread only")
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema_view(
    list=extend_schema(
        summary="我的消息 / My notifications",
        description="只返回当前用户自己的消息。/ Only the caller's own notifications.",
        responses={200: NotificationSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="消息详情 / Notification detail",
        description="他人的消息返回 404。/ Someone else's notification answers 404.",
        responses={200: NotificationSerializer, **error_responses(404)},
    ),
)
class NotificationViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notification_list_for(user=self.request.user)

    @extend_schema(
        summary="标记已读 / Mark read",
        description="把一条消息标记为已读（已读的保持原阅读时间）。/ Marks one notification read.",
        request=None,
        responses={200: NotificationSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["post"], url_path="read", filter_backends=[])
    def read(self, request, pk=None):
        try:
            notification = notification_mark_read(user=request.user, notification_id=int(pk))
        except (Notification.DoesNotExist, ValueError):
            raise Http404 from None
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary="全部标记已读 / Mark all read",
        description="把当前用户的全部未读消息标记为已读。/ Marks all of the caller's unread notifications read.",
        request=None,
        responses={200: MarkedReadSerializer, **error_responses()},
    )
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[], pagination_class=None)
    def read_all(self, request):
        return Response({"marked": notification_mark_all_read(user=request.user)})
