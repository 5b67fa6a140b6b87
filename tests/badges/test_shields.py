"""
shields.io's dialect (L{pypipins.badges.shields}): what each of its PyPI routes says, as pure
functions, on the cases of shields' own specs; and its frameworkversions routes.
"""

import pytest

from pypipins.badges import shields as sb
from pypipins.badges import Badge, Options
from pypipins.facts import Downloads, PackageFacts

pytestmark = pytest.mark.pure


def facts(*classifiers, **fields):
    return PackageFacts(**{"version": "1.0", "classifiers": tuple(classifiers), **fields})


@pytest.mark.parametrize(
    "version, message, color",
    [("1.2.3", "v1.2.3", "blue"), ("0.9", "v0.9", "orange"), ("2.0b1", "v2.0b1", "orange"),
     ("1.0.dev3", "v1.0.dev3", "orange"), ("banana-split", "banana-split", "lightgrey"),
     ("2024-01-02", "2024-01-02", "lightgrey"), ("2024.1.2", "v2024.1.2", "blue")],
)
def test_version(version, message, color):
    assert sb.version_badge(PackageFacts(version=version), Options()) == Badge("pypi", message, color)


@pytest.mark.parametrize(
    "versions, message, color",
    [(["3", "3.4", "3.5", "3.6", "2", "2.7"], "2.7 | 3.4 | 3.5 | 3.6", "blue"),
     (["2", "3"], "2 | 3", "blue"),
     (["3.10", "3.9", "3.8", "3.7", "3.6"], "3.6 | 3.7 | 3.8 | 3.9 | 3.10", "blue"),
     (["3", "3.9"], "3.9", "blue"),
     ([], "missing", "red")],
)
def test_python_versions_as_shields_spec_says(versions, message, color):
    said = sb.py_versions_badge(facts(*(f"Programming Language :: Python :: {v}" for v in versions)), Options())
    assert said == Badge("python", message, color)


def test_python_versions_fall_back_to_only():
    said = sb.py_versions_badge(facts("Programming Language :: Python :: 3 :: Only"), Options())
    assert said == Badge("python", "3", "blue")


@pytest.mark.parametrize(
    "fields, message, color",
    [({"license_expression": "MIT"}, "MIT", "green"),
     ({"license": "GPLv3"}, "GPLv3", "orange"),
     ({"license_expression": "CC0-1.0"}, "CC0-1.0", "#7cd958"),
     ({"license": "Proprietary"}, "Proprietary", "lightgrey"),
     ({}, "missing", "red"),
     ({"classifiers": ("License :: OSI Approved :: MIT License",
                       "License :: OSI Approved :: GNU General Public License (GPL)")}, "MIT, GPL", "green")],
)
def test_license_colours(fields, message, color):
    assert sb.license_badge(PackageFacts(version="1", **fields), Options()) == Badge("license", message, color)


@pytest.mark.parametrize(
    "classifiers, message, color",
    [(["Development Status :: 5 - Production/Stable"], "stable", "brightgreen"),
     (["Development Status :: 4 - Beta", "Development Status :: 6 - Mature"], "mature", "brightgreen"),
     (["Development Status :: 2 - Pre-Alpha"], "pre-alpha", "red"),
     (["Development Status :: 4 - Beta"], "beta", "yellow"),
     (["Development Status :: 7 - Inactive"], "inactive", "red"),
     ([], "unknown", "lightgrey")],
)
def test_status(classifiers, message, color):
    assert sb.status_badge(facts(*classifiers), Options()) == Badge("status", message, color)


def test_implementation():
    impl = "Programming Language :: Python :: Implementation :: "
    assert sb.implementation_badge(facts(impl + "PyPy", impl + "CPython"), Options()) == Badge(
        "implementation", "cpython | pypy", "blue")
    assert sb.implementation_badge(facts(), Options()) == Badge("implementation", "cpython", "blue")


@pytest.mark.parametrize(
    "types, wheel, format",
    [(("bdist_wheel", "sdist"), ("yes", "brightgreen"), ("wheel", "brightgreen")),
     (("bdist_egg",), ("no", "red"), ("egg", "red")),
     (("sdist",), ("no", "red"), ("source", "yellow"))],
)
def test_files(types, wheel, format):
    f = PackageFacts(version="1", packagetypes=types)
    assert sb.SHIELDS.kind("wheel").say(f, Options()) == Badge("wheel", *wheel)
    assert sb.SHIELDS.kind("format").say(f, Options()) == Badge("format", *format)


def test_types_by_classifier_only():
    assert sb.types_badge(facts("Typing :: Typed"), Options()) == Badge("types", "typed", "brightgreen")
    assert sb.types_badge(facts("Typing :: Stubs Only"), Options()) == Badge("types", "stubs", "brightgreen")
    assert sb.types_badge(facts(name="types-requests"), Options()) == Badge("types", "untyped", "red")


def test_downloads():
    counts = Downloads(last_day=5, last_week=1234, last_month=0)
    assert sb.SHIELDS.kind("dd").say(counts, Options()) == Badge("downloads", "5/day", "yellow")
    assert sb.SHIELDS.kind("dw").say(counts, Options()) == Badge("downloads", "1.2k/week", "brightgreen")
    assert sb.SHIELDS.kind("dm").say(counts, Options()) == Badge("downloads", "0/month", "red")


# -- frameworkversions (issue 16) ------------------------------------------------------------


@pytest.mark.parametrize(
    "framework, label, message",
    [("django", "django versions", "3.2 | 4.2 | 5.0 | 5.1"), ("django-cms", "django cms versions", "3.11"),
     ("jupyterlab", "jupyterlab versions", "4"), ("aws-cdk", "aws cdk versions", "2"),
     ("wagtail", "wagtail versions", "6")],
)
def test_framework_versions(framework, label, message):
    classifiers = ("Framework :: Django :: 5.1", "Framework :: Django :: 4.2", "Framework :: Django :: 3.2",
                   "Framework :: Django :: 5.0", "Framework :: Django", "Framework :: Django CMS :: 3.11",
                   "Framework :: Jupyter :: JupyterLab :: 4", "Framework :: AWS CDK :: 2",
                   "Framework :: Wagtail :: 6")
    kind = sb.SHIELDS.kind(f"frameworkversions/{framework}")
    assert kind is not None
    assert kind.say(facts(*classifiers, name="Typed-Django"), Options()) == Badge(label, message, "blue")


def test_framework_versions_missing():
    kind = sb.SHIELDS.kind("frameworkversions/plone")
    assert kind.say(facts(name="Typed-Django"), Options()) == Badge(
        "versions", "Plone versions are missing for Typed-Django", "lightgrey", is_error=True)


@pytest.mark.parametrize("asked", ["typed_django", "Typed.Django/1.0", "klein/24.8.0"])
def test_framework_versions_missing_names_the_package_as_asked(asked):
    """
    As shields says it (issue 25): the package and release as the URL spells them, not PyPI's
    name, also for facts kept without one.
    """
    kind = sb.SHIELDS.kind("frameworkversions/django-cms")
    assert kind.says_asked
    for said in (facts(name="Typed-Django"), PackageFacts(version="1.0", name="")):
        assert kind.say(said, Options(asked_as=asked)) == Badge(
            "versions", f"Django CMS versions are missing for {asked}", "lightgrey", is_error=True)
