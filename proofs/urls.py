from django.urls import path

from proofs import views

app_name = "proofs"
urlpatterns = [
    path("seller/deals/", views.seller_deal_list, name="seller_deals"),
    path("seller/deals/<int:deal_id>/evidence/", views.seller_deal_evidence, name="evidence"),
    path("proofs/artifacts/<int:artifact_id>/file/", views.artifact_file, name="artifact_file"),
    path("proofs/deals/<int:deal_id>/report/", views.proof_report, name="report"),
    path("proofs/deals/<int:deal_id>/realized/", views.realized, name="realized"),
]
