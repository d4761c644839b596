from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from example_project.demo import views

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # Sign in with a code: phone/login/ and phone/login/verify/ (and JSON under phone/api/).
    path("phone/", include("django_tencent_sms.otp.urls")),
    # Tencent's delivery-report and reply callbacks: sms/callbacks/status|reply/<token>/.
    path("sms/", include("django_tencent_sms.reports.urls")),
    # Sign up, change of number, sign out.
    path("accounts/", include("example_project.accounts.urls")),
    path("send/", views.send_notification, name="send"),
    path("admin/", admin.site.urls),
]
