"""Writes to accounts. Deactivating a user ends every way they are signed in."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import User


def user_sessions_end(*, user: User) -> int:
    """Delete every live session of `user` (all browsers, all devices). Returns how many.

    Sessions are signed blobs keyed by a random id, so the user's ones are found by decoding the
    live sessions — a few thousand rows at most for this system's users.
    """
    user_id = str(user.pk)
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(session_key__in=mine).delete()
    return len(mine)


def user_api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens. Every process refuses them on its next request: the API's
    token cache is keyed by the data version, which this moves at commit."""
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Disable the account and sign it out everywhere: its sessions and API tokens are deleted
    now rather than left to fail on their next request. The user row and everything the user wrote
    stay (nothing is hard-deleted); an admin can reactivate the account."""
    if user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
    user_sessions_end(user=user)
    user_api_tokens_revoke(user=user)
    return user
