from django.urls import path

from mahalat.portal import city_views, report_views, views

app_name = "portal"

urlpatterns = [
    path("", city_views.home, name="home"),
    path("c/<slug:slug>/", city_views.city, name="city"),
    path("c/<slug:slug>/outlines.geojson", city_views.outlines, name="outlines"),
    path("d/<slug:slug>/", city_views.district, name="district"),
    path("find/", city_views.find, name="find"),
    path("n/<slug:slug>/", views.neighborhood, name="neighborhood"),
    path("n/<slug:slug>/follow/", views.neighborhood_follow_view, name="neighborhood-follow"),
    path("n/<slug:slug>/reports/", report_views.neighborhood_reports, name="neighborhood-reports"),
    path(
        "n/<slug:slug>/reports.atom", report_views.NeighborhoodReportsFeed(), name="neighborhood-reports-feed"
    ),
    path("reports/new/", report_views.report_new, name="report-new"),
    path("reports/suggest/", report_views.category_suggestions, name="report-suggest"),
    path("reports/mine/", report_views.my_reports, name="my-reports"),
    path("reports/find/", report_views.find_report, name="report-find"),
    path("r/<str:tracking_code>/", report_views.report_detail, name="report"),
    path("r/<str:tracking_code>/filed/", report_views.report_filed, name="report-filed"),
    path("r/<str:tracking_code>/verify/", report_views.report_verify_view, name="report-verify"),
    path("r/<str:tracking_code>/support/", report_views.report_support_view, name="report-support"),
    path("r/<str:tracking_code>/follow/", report_views.report_follow_view, name="report-follow"),
    path("r/<str:tracking_code>/comment/", report_views.report_comment_view, name="report-comment"),
    path("r/<str:tracking_code>/confirm/", report_views.report_confirm_view, name="report-confirm"),
    path("r/<str:tracking_code>/rate/", report_views.report_rate_view, name="report-rate"),
    path("r/<str:tracking_code>/endorse/", report_views.report_endorse_view, name="report-endorse"),
]
