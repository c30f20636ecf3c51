"""Whether the navigation shows 问题线索 and the pages their 移交问题线索 buttons (no query: roles only)."""

from __future__ import annotations

from clues.selectors import user_may_see_clues


def clue_access(request) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    may_see = user_may_see_clues(user=user)
    return {
        "may_see_clues": may_see,
        # the project's inspectors and leaders enter clues (clues.rules); the page asks per project
        "may_register_clues": may_see and (user.is_leader or user.is_inspector),
    }
