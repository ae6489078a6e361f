"""The advisor's pages, under /advisor/: a deal's warnings and plan comparison, a customer's renewal."""

from django.urls import path

from deals import advisor_views
from proofs import views as proofs_views

app_name = "advisor"
urlpatterns = [
    path("deals/<int:deal_id>/warnings/", advisor_views.deal_warnings, name="warnings"),
    path("deals/<int:deal_id>/compare/", advisor_views.deal_compare, name="compare"),
    path("customers/<int:customer_id>/renewal/", proofs_views.customer_renewal_view, name="renewal"),
]
