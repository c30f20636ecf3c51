"""A URL conf that puts the ledger elsewhere (tests/reports/test_views.py: ledger links follow it)."""

from django.http import HttpResponse
from django.urls import include, path


def _ledger(request):
    return HttpResponse()


urlpatterns = [path("elsewhere/", include(([path("ledger/", _ledger, name="ledger")], "issues")))]
