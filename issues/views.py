from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from issues.selectors import issue_get_for_user


@login_required
def issue_detail(request, pk: int):
    issue = issue_get_for_user(user=request.user, pk=pk)
    return render(request, "issues/detail.html", {"issue": issue})
