from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from example_project.demo import views

HAS_DRF = getattr(settings, "HAS_DRF", False)
HAS_SPECTACULAR = getattr(settings, "HAS_SPECTACULAR", False)

urlpatterns = [
    path(
        "",
        TemplateView.as_view(
            template_name="home.html",
            extra_context={"has_drf": HAS_DRF, "has_schema": HAS_SPECTACULAR},
        ),
        name="home",
    ),
    # Sign in with a code: phone/login/ and phone/login/verify/ (and JSON under phone/api/).
    path("phone/", include("django_tencent_sms.otp.urls")),
    # Tencent's delivery-report and reply callbacks: sms/callbacks/status|reply/<token>/.
    path("sms/", include("django_tencent_sms.reports.urls")),
    # Sign up, change of number, sign out.
    path("accounts/", include("example_project.accounts.urls")),
    path("send/", views.send_notification, name="send"),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
]

if HAS_DRF:
    # The same flow as DRF endpoints: api/phone/request-code/, verify-code/ and csrf/.
    urlpatterns.append(
        path("api/phone/", include("django_tencent_sms.contrib.rest_framework.urls"))
    )
if HAS_SPECTACULAR:
    from drf_spectacular.views import SpectacularAPIView

    urlpatterns.append(path("api/schema/", SpectacularAPIView.as_view(), name="schema"))
