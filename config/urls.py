from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from proofs.backtest_views import backtest_page
from workspace.views import landing

# "View site" in the admin leads to the role router: a seller who is also staff reaches the workspace.
admin.site.site_url = "/"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("manager/", include("deals.manager_urls")),
    path("advisor/", include("config.advisor_urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script is its own file, so the page keeps the strict script policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("backtest/", backtest_page, name="backtest"),
    path("notices/", include("notices.urls")),
    path("", include("workspace.urls")),
    path("", include("proofs.urls")),
    path("", landing, name="landing"),
]
