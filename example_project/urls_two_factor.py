"""URLs of the two_factor variant (settings_two_factor): settings.py's site, two_factor's pages
under account/, and an admin that asks for a verified second factor."""

from django.contrib import admin
from django.urls import include, path
from two_factor.admin import AdminSiteOTPRequired
from two_factor.urls import urlpatterns as two_factor_urls

# The admin lets in only staff who signed in with their token, and sends the others to
# account/login/. Before urls.py builds the admin's URLs, so that its login view is this one.
admin.site.__class__ = AdminSiteOTPRequired

from example_project.urls import urlpatterns as site_urls  # noqa: E402

urlpatterns = [
    # account/login/, account/two_factor/setup/, account/two_factor/ (the profile), ...
    path("", include(two_factor_urls)),
    *site_urls,
]
