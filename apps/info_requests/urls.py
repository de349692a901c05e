from django.urls import path

from . import views

app_name = "info_requests"

urlpatterns = [
    path("<int:pk>/requests/new/", views.RequestCreateView.as_view(), name="create"),
    path("<int:pk>/requests/<int:request_pk>/", views.RequestView.as_view(), name="detail"),
    path(
        "<int:pk>/requests/<int:request_pk>/receipts/<int:submission_pk>/pdf/",
        views.ReceiptPdfView.as_view(),
        name="receipt_pdf",
    ),
    path("<int:pk>/requests/invite/", views.InviteView.as_view(), name="invite"),
    path("<int:pk>/requests/accesses/<int:access_pk>/revoke/", views.AccessRevokeView.as_view(), name="access_revoke"),
    path("receipts/verify/", views.ReceiptVerifyView.as_view(), name="receipt_verify"),
]
