from __future__ import annotations

from django.urls import path

from mahalat.programs import views

app_name = "programs"

urlpatterns = [
    path("programs/", views.calendar, name="calendar"),
    path("programs/<int:pk>/", views.detail, name="detail"),
    path("n/<slug:slug>/programs/", views.neighborhood_list, name="neighborhood"),
    path("workspace/programs/", views.staff_list, name="staff-list"),
    path("workspace/programs/new/", views.create, name="create"),
    path("workspace/programs/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("workspace/programs/<int:pk>/edit/", views.edit, name="edit"),
]
