"""URLs of the django-two-factor-auth tests: two_factor's login, setup and profile pages."""

from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

urlpatterns = [path("", include(two_factor_urls))]
