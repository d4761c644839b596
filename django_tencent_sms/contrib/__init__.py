"""Optional integrations with other packages, each imported only by the sites that use it.

Nothing here is imported by the rest of the app: ``django_tencent_sms.contrib.rest_framework``
needs Django REST framework (the ``drf`` extra), and only its users import it.
"""
