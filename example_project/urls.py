from django.contrib import admin
from django.urls import path

from example_project.demo import views

urlpatterns = [
    path("", views.send_notification, name="home"),
    path("admin/", admin.site.urls),
]
