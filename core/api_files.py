"""File downloads in the API: a stored upload's bytes for token clients as for the browser.

Apart from core.api because rest_framework.views imports core.api's authentication class.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from rest_framework.views import APIView

from core.api import StrictIntegerField, StrictQueryParamsMixin, error_responses
from core.files import ALLOWED_TYPES, stored_file_response


def file_responses() -> dict:
    """OpenAPI responses of a file download: the bytes under the file's own type, or the errors."""
    media_types = sorted({media for medias in ALLOWED_TYPES.values() for media in medias})
    return {**{(200, media): OpenApiTypes.BINARY for media in media_types}, **error_responses(404)}


class FileDownloadView(StrictQueryParamsMixin, APIView):
    """GET one stored upload by id. Subclasses return the file from get_file(request, pk) after
    checking the caller's right to it (Http404 otherwise: missing and not yours answer alike)."""

    def perform_content_negotiation(self, request, force=False):
        # The body is the file whatever the client accepts (image/png, */*): never a 406. Errors
        # are JSON, the first renderer.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, pk: str):
        try:
            file_id = StrictIntegerField().clean(pk)  # the API's one rule for an id
        except ValidationError:
            raise Http404 from None
        return stored_file_response(self.get_file(request, file_id), inline=False)

    def get_file(self, request, pk: int):  # pragma: no cover - every subclass defines it
        raise NotImplementedError
