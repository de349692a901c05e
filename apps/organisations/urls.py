from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path("relationships/new/", views.RelationshipCreateView.as_view(), name="relationship_create"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganisationEditView.as_view(), name="edit"),
    path("<int:pk>/establishments/new/", views.EstablishmentAddView.as_view(), name="establishment_add"),
]
