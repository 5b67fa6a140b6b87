"""
The badges beyond pypip.in: types, requires, frameworks, djversions (issue 7); project-status
and provenance (issue 18). Pure functions.
"""

import pytest

from pypipins import badges
from pypipins.badges import Badge, Options, Reason
from pypipins.badges import pypip
from pypipins.badges.pypip import PYPIP
from pypipins.facts import PackageFacts, ProjectFacts, Publisher, ReleaseProvenance

pytestmark = pytest.mark.pure


def facts(classifiers=(), requires_python="", name="pkg"):
    return PackageFacts(version="1.0", classifiers=tuple(classifiers), requires_python=requires_python, name=name)


@pytest.mark.parametrize(
    "classifiers, name, message, color",
    [
        (["Typing :: Typed"], "pkg", "typed", "brightgreen"),
        (["Typing :: Stubs Only"], "pkg", "stubs", "brightgreen"),
        ([], "types-requests", "stubs", "brightgreen"),
        ([], "Types_Requests", "stubs", "brightgreen"),
        ([], "pandas-stubs", "stubs", "brightgreen"),
        ([], "pkg", "untyped", "red"),
        ([], "", "untyped", "red"),  # a record cached before names were kept
        (["Typing :: Typed", "Typing :: Stubs Only"], "pkg", "typed", "brightgreen"),
    ],
)
def test_types(classifiers, name, message, color):
    assert pypip.types_badge(facts(classifiers, name=name), Options()) == Badge("types", message, color)


@pytest.mark.parametrize(
    "requires, message, color",
    [(">=3.9", ">=3.9", "blue"), (" >= 3.8 , < 4 ", ">=3.8,<4", "blue"), ("", "any", "lightgrey"),
     ("   ", "any", "lightgrey")],
)
def test_requires(requires, message, color):
    assert pypip.requires_badge(facts(requires_python=requires), Options()) == Badge("requires python", message, color)


DJANGO = ["Framework :: Django", "Framework :: Django :: 5.0", "Framework :: Django :: 4.2",
          "Framework :: Django :: 3.10", "Framework :: Django :: 3.9", "Framework :: Django CMS :: 4.1",
          "Framework :: Jupyter :: JupyterLab :: 4", "Framework :: AWS CDK :: 2"]


@pytest.mark.parametrize(
    "query, label, message, color",
    [
        ({}, "django versions", "3.9, 3.10, 4.2, 5.0", "blue"),
        ({"framework": "django"}, "django versions", "3.9, 3.10, 4.2, 5.0", "blue"),
        ({"framework": "Django-CMS"}, "django-cms versions", "4.1", "blue"),
        ({"framework": "jupyterlab"}, "jupyterlab versions", "4", "blue"),
        ({"framework": "aws-cdk"}, "aws-cdk versions", "2", "blue"),
        ({"framework": "plone"}, "plone versions", "unknown", "lightgrey"),
    ],
)
def test_frameworks(query, label, message, color):
    assert pypip.frameworks_badge(facts(DJANGO), Options.from_query(query)) == Badge(label, message, color)


def test_unknown_framework_is_an_error():
    badge = pypip.frameworks_badge(facts(DJANGO), Options.from_query({"framework": "rails"}))
    assert badge == Badge("framework versions", "unknown framework", "red", is_error=True)


def test_djversions_is_django_whatever_the_query():
    options = Options.from_query({"framework": "plone"})
    assert pypip.djversions_badge(facts(DJANGO), options) == Badge("django versions", "3.9, 3.10, 4.2, 5.0", "blue")


def test_every_framework_reads_its_classifiers():
    for key, name in badges.FRAMEWORKS.items():
        versions = pypip.framework_versions(facts([f"Framework :: {name} :: 1.2", f"Framework :: {name}"]), key)
        assert versions == ["1.2"], key


def test_records_cached_before_names_were_kept_still_load():
    record = b'{"version":"1","license":"","license_expression":"","classifiers":[],"requires_python":"","packagetypes":[]}'
    assert PackageFacts.from_json(record).name == ""


@pytest.mark.parametrize(
    "version, newest, message, color",
    [
        ("1.0", "2.0b1", "2.0b1", "orange"),
        ("1.0", "1.0", "1.0", "brightgreen"),
        ("1.0", "1.1.dev3", "1.1.dev3", "orange"),
        ("1.0", "", "1.0", "brightgreen"),  # a release's own document, or a record from before
        ("2.0rc1", "", "2.0rc1", "orange"),
        ("not-pep-440", "", "not-pep-440", "lightgrey"),
    ],
)
def test_pre(version, newest, message, color):
    said = pypip.pre_badge(PackageFacts(version=version, newest=newest), Options())
    assert said == Badge("pre-release", message, color)


@pytest.mark.parametrize(
    "error, message, color",
    [(Reason.INVALID_VERSION, "invalid version", "red"),
     (Reason.VERSION_NOT_FOUND, "version not found", "red"),
     (Reason.UNKNOWN_INDEX, "unknown index", "red"),
     (Reason.NOT_COUNTED, "not counted off PyPI", "lightgrey")],
)
def test_errors_of_versions_and_indexes(error, message, color):
    assert PYPIP.error(PYPIP.kind("pre"), error, Options()) == Badge("pre-release", message, color, is_error=True)
    assert PYPIP.error(PYPIP.kind("license"), error, Options()).label == "license"


# -- project status and provenance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, color",
    [("active", "brightgreen"), ("archived", "orange"), ("deprecated", "orange"),
     ("quarantined", "red"), ("under-review", "lightgrey"), ("Archived", "lightgrey")],
)
def test_project_status_badge(status, color):
    assert pypip.project_status_badge(ProjectFacts(status), Options()) == Badge("project", status, color)


GITHUB = Publisher("GitHub", "o/r")


@pytest.mark.parametrize(
    "files, attested, publishers, message, color",
    [(2, 2, [GITHUB], "github.com/o/r", "brightgreen"),
     (2, 2, [Publisher("GitLab", "g/s/p")], "gitlab.com/g/s/p", "brightgreen"),
     (1, 1, [Publisher("Google")], "google", "brightgreen"),
     (1, 1, [Publisher("ActiveState", "x")], "activestate", "brightgreen"),
     (1, 1, [Publisher("GitHub")], "github", "brightgreen"),
     (80, 80, [GITHUB], "github.com/o/r", "brightgreen"),
     (2, 1, [GITHUB], "partial", "yellow"),
     (2, 2, [GITHUB, Publisher("GitHub", "x/y")], "mixed", "orange"),
     (3, 2, [GITHUB, Publisher("GitLab", "o/r")], "mixed", "orange"),
     (2, 0, [], "none", "lightgrey"),
     (0, 0, [], "none", "lightgrey")],
)
def test_provenance_badge(files, attested, publishers, message, color):
    release = ReleaseProvenance(files, attested, tuple(publishers))
    assert pypip.provenance_badge(release, Options()) == Badge("provenance", message, color)
