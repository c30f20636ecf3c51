"""Inbox pages: parse input, call one service or selector, render. Only one's own notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.forms import EmailPreferenceForm
from notifications.models import Notification
from notifications.selectors import InboxFilter, email_enabled_kinds, inbox_counts, notification_list_for
from notifications.services import email_preferences_save, notification_mark_all_read, notification_mark_read

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request):
    state = request.GET.get("state", InboxFilter.ALL)
    if state not in InboxFilter.CHOICES:
        state = InboxFilter.ALL
    page = Paginator(notification_list_for(user=request.user, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "state": state, "counts": inbox_counts(user=request.user)},
    )


@login_required
@require_POST
def open_notification(request, pk: int):
    """Mark read and go to the object it is about. A POST (the inbox's title is a button in a
    form): a GET changes nothing, so a prefetch, a crawler or a link in a mail cannot mark it read."""
    try:
        notification = notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def mark_all_read(request):
    changed = notification_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)s 条消息标为已读。") % {"count": changed})
    return redirect(_back_to_inbox(request))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        form = EmailPreferenceForm(request.POST)
        if form.is_valid():
            email_preferences_save(user=request.user, email_kinds=form.cleaned_data["email_kinds"])
            messages.success(request, _("邮件设置已保存。"))
            return redirect("notifications:preferences")
    else:
        form = EmailPreferenceForm(initial={"email_kinds": sorted(email_enabled_kinds(user=request.user))})
    return render(request, "notifications/preferences.html", {"form": form})


def _back_to_inbox(request) -> str:
    """The inbox page the user came from (filter and page kept), never an outside URL."""
    params = {key: request.POST.get(key, "") for key in ("state", "page")}
    query = urlencode({key: value for key, value in params.items() if value.isalnum()})
    return f"{reverse('notifications:inbox')}?{query}" if query else reverse("notifications:inbox")
