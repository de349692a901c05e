from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", views.InvitationView.as_view(), name="invitation"),
    path("requests/<int:pk>/", views.RequestView.as_view(), name="request"),
    path("requests/<int:pk>/answers/", views.AnswersView.as_view(), name="answers"),
    path(
        "requests/<int:pk>/questions/<int:question_pk>/files/",
        views.AnswerFileUploadView.as_view(),
        name="file_upload",
    ),
    path("requests/<int:pk>/messages/", views.MessagePostView.as_view(), name="message_post"),
    path("files/<int:pk>/remove/", views.AnswerFileRemoveView.as_view(), name="file_remove"),
    path("receipts/<str:number>/", views.ReceiptView.as_view(), name="receipt"),
    path("receipts/<str:number>/pdf/", views.ReceiptPDFView.as_view(), name="receipt_pdf"),
]
