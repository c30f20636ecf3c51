import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.deliver_email")
def deliver_email(notification_id: int) -> str:
    from notifications.delivery import notification_deliver_email

    return notification_deliver_email(notification_id=notification_id)
