from django.urls import path

from mahalat.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.code_request_view, name="code-request"),
    path("login/code/verify/", views.code_verify_view, name="code-verify"),
    path("password-reset/", views.password_reset_request_view, name="password-reset"),
    path("password-reset/complete/", views.password_reset_complete_view, name="password-reset-complete"),
    path("signup/", views.signup_view, name="signup"),
    path("logout/", views.logout_view, name="logout"),
]
