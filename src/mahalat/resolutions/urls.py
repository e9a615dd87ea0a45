from django.urls import path

from mahalat.resolutions import views

app_name = "resolutions"

urlpatterns = [
    path("n/<slug:slug>/resolutions/", views.accountability, name="accountability"),
    path("resolutions/<int:pk>/", views.detail, name="detail"),
    path("workspace/resolutions/", views.staff_list, name="staff-list"),
    path("workspace/resolutions/attention/", views.attention, name="attention"),
    path("workspace/resolutions/<int:pk>/", views.staff_detail, name="staff-detail"),
]
