"""Optional integrations with other Django packages; each is an extra, imported only when used.

``contrib.rest_framework`` needs Django REST framework (the ``drf`` extra), ``contrib.allauth``
django-allauth (the ``allauth`` extra), ``contrib.two_factor`` django-two-factor-auth (the
``two-factor`` extra): only the sites that use one import it. The rest of the app imports only
``contrib.two_factor.checks`` (its system checks, which run only when a setting names the
gateway), and no module imports a third-party package of an integration at import time.
"""
