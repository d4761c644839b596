from django.apps import AppConfig


class PhoneUsersConfig(AppConfig):
    name = "example_project.phone_users"
    label = "phone_users"
