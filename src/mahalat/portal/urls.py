from django.urls import path

from mahalat.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.city, name="city"),
    path("n/<slug:slug>/", views.neighborhood, name="neighborhood"),
]
