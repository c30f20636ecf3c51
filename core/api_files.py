"""File downloads in the API: a stored upload's bytes for token clients as for the browser.

Apart from core.api because rest_framework.views imports core.api's authentication class.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from rest_framework.views import APIView

from core.api import StrictIntegerField, StrictQueryParamsMixin, error_responses
from core.files import stored_file_response

# One binary type for every download: a generated client (openapi-python-client, openapi-generator)
# keeps the body of exactly one declared binary type and drops it when seven image/office types are
# listed. The file's own type and name travel in the metadata (`content_type`, `original_name`) and
# in Content-Disposition.
DOWNLOAD_MEDIA_TYPE = "application/octet-stream"


def file_responses() -> dict:
    """OpenAPI responses of a file download: the bytes as application/octet-stream, or the errors."""
    return {(200, DOWNLOAD_MEDIA_TYPE): OpenApiTypes.BINARY, **error_responses(404)}


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
        response = stored_file_response(self.get_file(request, file_id), inline=False)
        response["Content-Type"] = DOWNLOAD_MEDIA_TYPE
        return response

    def get_file(self, request, pk: int):  # pragma: no cover - every subclass defines it
        raise NotImplementedError
