"""The app works without django-allauth: no module but ``contrib.allauth`` imports it.

A subprocess imports every module of the package with ``allauth`` made unimportable; a site
that never installed the ``allauth`` extra gets no ImportError from us.
"""

from tests.contrib.without import imported, run_without

THEN = r"""
try:
    importlib.import_module("django_tencent_sms.contrib.allauth")
except ImportError as exc:
    print("contrib.allauth needs allauth:", exc)
else:
    raise AssertionError("contrib.allauth imported without allauth")
"""


def test_no_module_but_contrib_allauth_imports_allauth():
    done = run_without({"allauth"}, skipped={"django_tencent_sms.contrib.allauth"}, then=THEN)
    assert done.returncode == 0, done.stderr
    assert "contrib.allauth needs allauth: allauth is not installed" in done.stdout
    assert imported(done) > 100  # the whole package, not an early stop
