"""Optional integrations with other Django packages; each is an extra, imported only when used.

Nothing here is imported by the rest of the app: ``contrib.rest_framework`` needs Django REST
framework (the ``drf`` extra), ``contrib.allauth`` django-allauth (the ``allauth`` extra), and
only the sites that use one import it.
"""
