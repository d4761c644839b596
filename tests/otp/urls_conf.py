"""URLs for the tests of the code-flow views: the shipped ones, and subclasses as a site would
write them (sign-up, change of number, a site base template, JSON with more purposes)."""

from django.http import HttpResponse
from django.urls import include, path, reverse_lazy

from django_tencent_sms.otp import api, views


class SignupCodeView(views.RequestCodeView):
    purpose = "signup"
    success_url = reverse_lazy("signup-verify")


class SignupVerifyView(views.VerifyCodeView):
    purpose = "signup"
    success_url = "/signup/details/"
    request_code_url = reverse_lazy("signup")


class ChangePhoneVerifyView(views.VerifyCodeView):
    purpose = "change-phone"
    allow_anonymous = False

    def code_verified(self, form):
        return HttpResponse(f"changed to {form.cleaned_data['phone'].as_e164}")


class SiteLayoutCodeView(views.RequestCodeView):
    base_template = "site_base.html"


class AnyPurposeRequestAPIView(api.RequestCodeAPIView):
    purposes = ("login", "signup")


class AnyPurposeVerifyAPIView(api.VerifyCodeAPIView):
    purposes = ("login", "signup")


urlpatterns = [
    path("phone/", include("django_tencent_sms.otp.urls")),
    path("signup/", SignupCodeView.as_view(), name="signup"),
    path("signup/verify/", SignupVerifyView.as_view(), name="signup-verify"),
    path("change-phone/verify/", ChangePhoneVerifyView.as_view(), name="change-phone-verify"),
    path("site-layout/", SiteLayoutCodeView.as_view(), name="site-layout"),
    path("multi/request-code/", AnyPurposeRequestAPIView.as_view(), name="multi-request"),
    path("multi/verify-code/", AnyPurposeVerifyAPIView.as_view(), name="multi-verify"),
]
