from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("manager/", include("deals.manager_urls")),
    path("advisor/", include("deals.advisor_urls")),
    path("", include("proofs.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
