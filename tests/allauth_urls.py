"""URLs of the django-allauth tests: allauth's account views under ``/accounts/``."""

from django.urls import include, path

urlpatterns = [path("accounts/", include("allauth.urls"))]
