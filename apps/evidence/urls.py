from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("integrity-alerts/", views.IntegrityAlertListView.as_view(), name="alerts"),
    path("<int:pk>/evidence/new/", views.EvidenceUploadView.as_view(), name="upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.EvidenceDetailView.as_view(), name="detail"),
    path("<int:pk>/evidence/<int:evidence_pk>/download/", views.EvidenceDownloadView.as_view(), name="download"),
    path("<int:pk>/evidence/<int:evidence_pk>/edit/", views.EvidenceEditView.as_view(), name="edit"),
    path("<int:pk>/evidence/<int:evidence_pk>/transfer/", views.EvidenceTransferView.as_view(), name="transfer"),
]
