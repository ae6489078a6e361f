from django.urls import path
from django.views.generic import RedirectView

from proofs import share_views, views

app_name = "proofs"
urlpatterns = [
    # "My deals" is the workspace's page now (workspace.urls, included first, answers this path);
    # the name stays for the links that use it.
    path("seller/deals/", RedirectView.as_view(pattern_name="workspace:deals"), name="seller_deals"),
    path("seller/deals/<int:deal_id>/evidence/", views.seller_deal_evidence, name="evidence"),
    path("seller/deals/<int:deal_id>/share/", share_views.share_page, name="share"),
    path(
        "seller/deals/<int:deal_id>/share/<int:link_id>/revoke/",
        share_views.share_revoke,
        name="share_revoke",
    ),
    path("proofs/artifacts/<int:artifact_id>/file/", views.artifact_file, name="artifact_file"),
    path("proofs/deals/<int:deal_id>/report/", views.proof_report, name="report"),
    path("proofs/deals/<int:deal_id>/report.pdf", share_views.report_pdf_download, name="report_pdf"),
    path("proofs/deals/<int:deal_id>/quote/", share_views.quote_page, name="quote"),
    path("proofs/deals/<int:deal_id>/quote.pdf", share_views.quote_pdf_download, name="quote_pdf"),
    path("proofs/deals/<int:deal_id>/realized/", views.realized, name="realized"),
    # What a share link opens, without a login: the document, its PDF, the report's file samples.
    path("share/<str:key>/", share_views.shared_document, name="shared"),
    path("share/<str:key>/pdf/", share_views.shared_pdf, name="shared_pdf"),
    path("share/<str:key>/files/<int:artifact_id>/", share_views.shared_file, name="shared_file"),
]
