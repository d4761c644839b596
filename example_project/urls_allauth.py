"""URLs of the allauth variant (settings_allauth): allauth's account pages under accounts/."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from example_project.demo import views

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # Sign up, sign in by code, verify the number: accounts/signup/, accounts/login/code/, ...
    path("accounts/", include("allauth.urls")),
    path("sms/", include("django_tencent_sms.reports.urls")),
    path("send/", views.send_notification, name="send"),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
]
