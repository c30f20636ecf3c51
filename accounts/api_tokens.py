"""Personal API tokens (for systems such as OA, the 12345 hotline, the mobile client): issue or
revoke one's own token from the profile page. Admins manage everyone's in the Django admin.

The full key is shown once, on the page right after it was issued; afterwards only its first
characters, so a shoulder-surfer at a later visit learns nothing useful.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.models import User

FRESH_KEY_SESSION = "api_token_fresh"


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """A new token for the user; an existing one stops working at once, in every process (the
    API's token cache is keyed by the data version, which the revocation moves at commit)."""
    api_token_revoke(user=user)
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_revoke(*, user: User) -> bool:
    """Revoke the user's token. Returns whether there was one."""
    token = Token.objects.filter(user=user).first()
    if token is None:
        return False
    token.delete()  # a credential, not user-written content: revoking means it no longer exists
    return True


@login_required
@require_POST
def token_issue(request):
    token = api_token_issue(user=request.user)
    request.session[FRESH_KEY_SESSION] = token.key
    messages.success(request, _("已生成新的接口令牌，请立即复制保存；离开本页后将不再完整显示。"))
    return redirect("profile")


@login_required
@require_POST
def token_revoke(request):
    if api_token_revoke(user=request.user):
        messages.success(request, _("接口令牌已撤销，使用它的系统将无法再访问。"))
    else:
        messages.info(request, _("您当前没有接口令牌。"))
    request.session.pop(FRESH_KEY_SESSION, None)
    return redirect("profile")


def api_tokens(request) -> dict:
    """Context processor: turns on the profile page's token card. The freshly issued key is read
    (and forgotten) only when a template actually shows it, so other pages cost nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def fresh_key() -> str:
        return request.session.pop(FRESH_KEY_SESSION, "")

    return {"api_tokens_enabled": True, "api_token_fresh": fresh_key}
