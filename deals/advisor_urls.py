from django.urls import path

from deals import advisor_views

app_name = "advisor"
urlpatterns = [
    path("deals/<int:deal_id>/warnings/", advisor_views.deal_warnings, name="warnings"),
    path("deals/<int:deal_id>/compare/", advisor_views.deal_compare, name="compare"),
    path("customers/<int:customer_id>/renewal/", advisor_views.customer_renewal_view, name="renewal"),
]
