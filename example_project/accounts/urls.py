from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

urlpatterns = [
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("signup/verify/", views.SignupVerifyView.as_view(), name="signup-verify"),
    path("signup/finish/", views.signup_finish, name="signup-finish"),
    path("phone/", views.ChangePhoneView.as_view(), name="change-phone"),
    path("phone/verify/", views.ChangePhoneVerifyView.as_view(), name="change-phone-verify"),
    path("logout/", LogoutView.as_view(), name="logout"),
]
