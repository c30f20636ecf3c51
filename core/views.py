from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def under_construction(request, *args, **kwargs):
    """Temporary target for a route whose page is being built in this session; replaced by its owner."""
    return render(request, "base.html", {})
