from __future__ import annotations

from django.urls import path

from mahalat.news import feeds, views

app_name = "news"

urlpatterns = [
    path("news/", views.city_list, name="city"),
    path("news/feed/", feeds.CityNewsFeed(), name="city-feed"),
    path("news/district/<slug:slug>/", views.district_list, name="district"),
    path("news/district/<slug:slug>/feed/", feeds.DistrictNewsFeed(), name="district-feed"),
    # The slug is Persian, so <str:…> (Django's <slug:…> is ASCII only).
    path("news/<int:pk>/", views.detail, name="detail-short"),
    path("news/<int:pk>/<str:slug>/", views.detail, name="detail"),
    path("n/<slug:slug>/news/", views.neighborhood_list, name="neighborhood"),
    path("n/<slug:slug>/news/feed/", feeds.NeighborhoodNewsFeed(), name="neighborhood-feed"),
    path("workspace/news/", views.staff_list, name="staff-list"),
    path("workspace/news/new/", views.create, name="create"),
    path("workspace/news/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("workspace/news/<int:pk>/edit/", views.edit, name="edit"),
]
