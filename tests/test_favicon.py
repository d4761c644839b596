"""The app's own pages name an inline icon: a browser showing them asks for no /favicon.ico,
which a site without one would answer with a 404 after every page."""

from __future__ import annotations

from django.template.loader import get_template


def test_the_shipped_base_template_names_an_inline_icon():
    template = get_template("django_tencent_sms/base.html")
    assert template.origin.name.endswith(
        "django_tencent_sms/templates/django_tencent_sms/base.html"
    )
    head = template.render({}).split("</head>", 1)[0]
    assert '<link rel="icon" href="data:,">' in head
