"""REST API v1 and its OpenAPI schema/docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.api_docs import api_docs

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The reference as a page of the product (config/api_docs.py), rendered from the same schema.
    path("docs/", api_docs, name="api-docs"),
    path("v1/", include("config.api_v1")),
]
