"""
Unit tests for L{pypipins.badges.pypip}: every rule and row of ``shared/BADGES.md`` that the
pure badge functions implement, customize() applied to them included; and the badges beyond
pypip.in: types, requires, frameworks, djversions (issue 7); project-status and provenance
(issue 18). No reactor, no I/O, no mocks.
"""

import pytest

from pypipins import badges
from pypipins.badges import Badge, Options, Reason
from pypipins.badges import pypip
from pypipins.badges.pypip import PYPIP
from pypipins.facts import Downloads, PackageFacts, ProjectFacts, Publisher, ReleaseProvenance
from tests.helpers import sample_of

pytestmark = pytest.mark.pure

# -- the badge kinds (URL table) ------------------------------------------------------------


def test_kinds_are_those_of_the_url_table_and_issue_7s():
    assert set(PYPIP.by_name) == {
        # issue 7: beyond pypip.in
        "types",
        "requires",
        "frameworks",
        "djversions",
        "pre",
        # issue 27: wheels' platforms and free-threaded builds, vulnerabilities
        "platforms",
        "free-threaded",
        "vulnerabilities",
        # issue 18: PEP 792 and PEP 740
        "project-status",
        "provenance",
        # BADGES.md
        "d",
        "download",
        "v",
        "version",
        "wheel",
        "egg",
        "format",
        "license",
        "py_versions",
        "implementation",
        "status",
    }


@pytest.mark.parametrize(
    "kind, function",
    [
        ("v", pypip.version_badge),
        ("version", pypip.version_badge),
        ("wheel", pypip.wheel_badge),
        ("egg", pypip.egg_badge),
        ("format", pypip.format_badge),
        ("license", pypip.license_badge),
        ("py_versions", pypip.py_versions_badge),
        ("implementation", pypip.implementation_badge),
        ("status", pypip.status_badge),
    ],
)
def test_facts_badges_dispatch(kind, function):
    assert PYPIP.kind(kind).say is function
    assert not PYPIP.kind(kind).downloads


@pytest.mark.parametrize("kind", ["d", "download"])
def test_downloads_kinds(kind):
    assert PYPIP.kind(kind).downloads
    assert PYPIP.kind(kind).say is pypip.downloads_badge


# -- downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, color",
    [
        (-1, "red"),
        (0, "red"),
        (1, "yellow"),
        (9, "yellow"),
        (10, "yellowgreen"),
        (99, "yellowgreen"),
        (100, "green"),
        (999, "green"),
        (1000, "brightgreen"),
        (1578896212, "brightgreen"),
    ],
)
def test_downloads_color_thresholds(n, color):
    assert badges.downloads_color(n) == color
    badge = pypip.downloads_badge(Downloads(n, n, n), Options())
    assert badge == Badge("downloads", f"{badges.metric(n)}/month", color)


DOWNLOADS = Downloads(last_day=5, last_week=1100, last_month=1578896212)


@pytest.mark.parametrize(
    "period, expected",
    [
        ("day", Badge("downloads", "5/day", "yellow")),
        ("week", Badge("downloads", "1.1k/week", "brightgreen")),
        ("month", Badge("downloads", "1.6G/month", "brightgreen")),
    ],
)
def test_downloads_periods(period, expected):
    options = Options.from_query({"period": period})
    assert options.period == period
    assert pypip.downloads_badge(DOWNLOADS, options) == expected


@pytest.mark.parametrize("query", [{}, {"period": "year"}, {"period": ""}, {"period": "Day"}])
def test_downloads_period_defaults_and_falls_back_to_month(query):
    options = Options.from_query(query)
    assert options.period == "month"
    assert pypip.downloads_badge(DOWNLOADS, options) == Badge(
        "downloads", "1.6G/month", "brightgreen"
    )


def test_downloads_period_picks_its_own_count_for_colour():
    downloads = Downloads(last_day=0, last_week=50, last_month=500)
    assert pypip.downloads_badge(downloads, Options(period="day")) == Badge(
        "downloads", "0/day", "red"
    )
    assert pypip.downloads_badge(downloads, Options(period="week")) == Badge(
        "downloads", "50/week", "yellowgreen"
    )
    assert pypip.downloads_badge(downloads, Options(period="month")) == Badge(
        "downloads", "500/month", "green"
    )


def test_downloads_gone_pypi_counter():
    """
    PyPI's own counters are always -1: red, and shown as they are.
    """
    badge = pypip.downloads_badge(Downloads(-1, -1, -1), Options())
    assert badge == Badge("downloads", "-1/month", "red")


# -- version --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, color",
    [
        ("1.0", "brightgreen"),
        ("24.8.0", "brightgreen"),
        ("1.0.post1", "brightgreen"),
        ("2!1.0", "brightgreen"),
        ("1.0+local.1", "brightgreen"),
        ("1.0a1", "orange"),
        ("1.0b2", "orange"),
        ("2.0rc1", "orange"),
        ("1.0.dev3", "orange"),
        ("1.0.post1.dev1", "orange"),
        ("banana", "lightgrey"),
        ("1.0-foo-bar", "lightgrey"),
        ("", "lightgrey"),
    ],
)
def test_version_badge(version, color):
    facts = PackageFacts(version=version)
    assert pypip.version_badge(facts, Options()) == Badge("pypi", version, color)


@pytest.mark.parametrize("version", ["1.0a1", "1.0-foo-bar", "01.00", "1.0.0-RC1", "v2.0"])
def test_version_message_is_the_version_as_it_is(version):
    badge = pypip.version_badge(PackageFacts(version=version), Options())
    assert badge.message == version


@pytest.mark.parametrize(
    "query, label",
    [
        ({}, "pypi"),
        ({"text": "pypi"}, "pypi"),
        ({"text": "version"}, "version"),
        ({"text": "other"}, "pypi"),
        ({"text": "Version"}, "pypi"),
    ],
)
def test_version_label(query, label):
    options = Options.from_query(query)
    assert options.text == label
    badge = pypip.version_badge(PackageFacts(version="1.0"), options)
    assert badge == Badge(label, "1.0", "brightgreen")


# -- wheel, egg, format ---------------------------------------------------------------------

PACKAGETYPES = {
    "none": (),
    "sdist": ("sdist",),
    "wheel": ("bdist_wheel",),
    "egg": ("bdist_egg",),
    "sdist+wheel": ("bdist_wheel", "sdist"),
    "sdist+egg": ("bdist_egg", "sdist"),
    "wheel+egg": ("bdist_egg", "bdist_wheel"),
    "all": ("bdist_egg", "bdist_wheel", "sdist"),
}


@pytest.mark.parametrize(
    "files, expected",
    [
        ("none", Badge("wheel", "no", "red")),
        ("sdist", Badge("wheel", "no", "red")),
        ("wheel", Badge("wheel", "yes", "brightgreen")),
        ("egg", Badge("wheel", "no", "red")),
        ("sdist+wheel", Badge("wheel", "yes", "brightgreen")),
        ("sdist+egg", Badge("wheel", "no", "red")),
        ("wheel+egg", Badge("wheel", "yes", "brightgreen")),
        ("all", Badge("wheel", "yes", "brightgreen")),
    ],
)
def test_wheel_badge(files, expected):
    facts = PackageFacts(version="1.0", packagetypes=PACKAGETYPES[files])
    assert pypip.wheel_badge(facts, Options()) == expected


@pytest.mark.parametrize(
    "files, expected",
    [
        ("none", Badge("egg", "no", "brightgreen")),
        ("sdist", Badge("egg", "no", "brightgreen")),
        ("wheel", Badge("egg", "no", "brightgreen")),
        ("egg", Badge("egg", "yes", "red")),
        ("sdist+wheel", Badge("egg", "no", "brightgreen")),
        ("sdist+egg", Badge("egg", "yes", "red")),
        ("wheel+egg", Badge("egg", "yes", "red")),
        ("all", Badge("egg", "yes", "red")),
    ],
)
def test_egg_badge(files, expected):
    facts = PackageFacts(version="1.0", packagetypes=PACKAGETYPES[files])
    assert pypip.egg_badge(facts, Options()) == expected


@pytest.mark.parametrize(
    "files, expected",
    [
        ("none", Badge("format", "source", "yellow")),
        ("sdist", Badge("format", "source", "yellow")),
        ("wheel", Badge("format", "wheel", "brightgreen")),
        ("egg", Badge("format", "egg", "red")),
        ("sdist+wheel", Badge("format", "wheel", "brightgreen")),
        ("sdist+egg", Badge("format", "egg", "red")),
        ("wheel+egg", Badge("format", "wheel", "brightgreen")),
        ("all", Badge("format", "wheel", "brightgreen")),
    ],
)
def test_format_badge(files, expected):
    facts = PackageFacts(version="1.0", packagetypes=PACKAGETYPES[files])
    assert pypip.format_badge(facts, Options()) == expected


# -- license --------------------------------------------------------------------------------


def _license(**fields) -> Badge:
    return pypip.license_badge(PackageFacts(version="1.0", **fields), Options())


MIT_CLASSIFIER = ("License :: OSI Approved :: MIT License",)


@pytest.mark.parametrize(
    "fields, message",
    [
        # 1. license_expression wins over the field and the classifiers
        (
            dict(
                license_expression="Apache-2.0 OR MIT",
                license="BSD",
                classifiers=MIT_CLASSIFIER,
            ),
            "Apache-2.0 OR MIT",
        ),
        (dict(license_expression="MIT"), "MIT"),
        # an empty expression does not count
        (dict(license_expression="", license="BSD"), "BSD"),
        (dict(license_expression="", classifiers=MIT_CLASSIFIER), "MIT"),
    ],
)
def test_license_expression(fields, message):
    assert _license(**fields) == Badge("license", message, "blue")


@pytest.mark.parametrize(
    "field, message",
    [
        ("MIT", "MIT"),
        ("  BSD-3-Clause \n", "BSD-3-Clause"),
        ("\tGPL v3\t", "GPL v3"),
        ("x" * 39, "x" * 39),
        ("  " + "y" * 39 + "  ", "y" * 39),
        # passed through as text; escaping is the renderer's job
        ("<script>", "<script>"),
    ],
)
def test_license_field_wins_over_classifiers(field, message):
    assert _license(license=field, classifiers=MIT_CLASSIFIER) == Badge("license", message, "blue")


@pytest.mark.parametrize(
    "field",
    [
        "",
        "   ",
        "UNKNOWN",
        "unknown",
        "Unknown",
        "uNkNoWn",
        "  UNKNOWN  ",
        # 40 characters or more
        "x" * 40,
        "x" * 200,
        "Permission is hereby granted, free of charge, to any person",
        # more than one line
        "MIT\nsee LICENSE",
        "MIT License\r\n\r\nCopyright (c) 2024",
        "BSD\rsee LICENSE",
    ],
)
def test_license_field_falls_to_classifiers(field):
    assert _license(license=field, classifiers=MIT_CLASSIFIER) == Badge("license", "MIT", "blue")


@pytest.mark.parametrize(
    "field",
    ["", "UNKNOWN", "unknown", "x" * 40, "MIT\nsee LICENSE"],
)
def test_license_field_ignored_without_classifiers_is_unknown(field):
    assert _license(license=field) == Badge("license", "unknown", "red")


@pytest.mark.parametrize(
    "classifier, name",
    [
        # the aliases
        ("License :: OSI Approved :: Apache Software License", "Apache-2.0"),
        ("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
        ("License :: OSI Approved :: GNU Affero General Public License v3", "AGPL-3.0"),
        ("License :: OSI Approved :: Zero-Clause BSD (0BSD)", "0BSD"),
        # the last part with " License" removed
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("License :: OSI Approved :: BSD License", "BSD"),
        ("License :: OSI Approved :: Python Software Foundation License", "Python Software Foundation"),
        ("License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense"),
        ("License :: Other/Proprietary License", "Other/Proprietary"),
        ("License :: Public Domain", "Public Domain"),
        ("License :: Freeware", "Freeware"),
        # an acronym in brackets wins
        ("License :: OSI Approved :: Netscape Public License (NPL)", "NPL"),
        ("License :: OSI Approved :: GNU General Public License v3 (GPLv3)", "GPLv3"),
        ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPLv2+"),
        (
            "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
            "LGPLv3+",
        ),
        ("License :: OSI Approved :: ISC License (ISCL)", "ISCL"),
        ("License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL 2.0"),
        ("License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
        # a bare lower-case word is upper-cased
        ("License :: OSI Approved :: mit License", "MIT"),
        ("License :: OSI Approved :: gpl", "GPL"),
        ("License :: Other :: wtfpl", "WTFPL"),
        # not a bare lower-case word: left alone
        ("License :: OSI Approved :: zlib/libpng License", "zlib/libpng"),
        # alone, DFSG approved stays
        ("License :: DFSG approved", "DFSG approved"),
    ],
)
def test_license_classifier(classifier, name):
    assert _license(classifiers=(classifier,)) == Badge("license", name, "blue")


@pytest.mark.parametrize(
    "classifiers, message",
    [
        (
            (
                "License :: OSI Approved :: MIT License",
                "License :: OSI Approved :: Apache Software License",
            ),
            "MIT, Apache-2.0",
        ),
        (
            (
                "License :: OSI Approved :: Apache Software License",
                "License :: OSI Approved :: MIT License",
            ),
            "Apache-2.0, MIT",
        ),
        (
            (
                "License :: OSI Approved :: BSD License",
                "Development Status :: 5 - Production/Stable",
                "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
                "License :: OSI Approved :: Zero-Clause BSD (0BSD)",
            ),
            "BSD, GPLv3, 0BSD",
        ),
        # DFSG approved is dropped when there are others, wherever it is
        (("License :: DFSG approved", "License :: OSI Approved :: MIT License"), "MIT"),
        (("License :: OSI Approved :: MIT License", "License :: DFSG approved"), "MIT"),
        (
            (
                "License :: DFSG approved",
                "License :: OSI Approved :: BSD License",
                "License :: OSI Approved :: MIT License",
            ),
            "BSD, MIT",
        ),
    ],
)
def test_license_several_classifiers(classifiers, message):
    assert _license(classifiers=classifiers) == Badge("license", message, "blue")


@pytest.mark.parametrize(
    "classifiers",
    [
        (),
        ("Programming Language :: Python :: 3", "Development Status :: 4 - Beta"),
        ("Intended Audience :: Developers",),
    ],
)
def test_license_unknown(classifiers):
    assert _license(classifiers=classifiers) == Badge("license", "unknown", "red")


# -- py_versions ----------------------------------------------------------------------------


def _py(classifiers=(), requires_python="") -> Badge:
    facts = PackageFacts(
        version="1.0", classifiers=tuple(classifiers), requires_python=requires_python
    )
    return pypip.py_versions_badge(facts, Options())


PY = "Programming Language :: Python :: "


@pytest.mark.parametrize(
    "versions, message",
    [
        (["3.9"], "3.9"),
        (["2.7", "3.6"], "2.7, 3.6"),
        # sorted as numbers
        (["3.10", "3.9", "3.8"], "3.8, 3.9, 3.10"),
        (["3.12", "3.10", "3.11", "2.7", "3.9"], "2.7, 3.9, 3.10, 3.11, 3.12"),
        # a bare major dropped when a version of that major is listed
        (["3", "3.9", "3.10"], "3.9, 3.10"),
        (["3.10", "3"], "3.10"),
        (["2", "2.7", "3", "3.5"], "2.7, 3.5"),
        # ... and kept otherwise
        (["3"], "3"),
        (["2", "3"], "2, 3"),
        (["2", "3.9"], "2, 3.9"),
        (["3.9", "2"], "2, 3.9"),
        (["2.7", "3"], "2.7, 3"),
    ],
)
def test_py_versions_classifiers(versions, message):
    assert _py([PY + v for v in versions]) == Badge("python", message, "blue")


def test_py_versions_ignores_other_classifiers():
    classifiers = [
        "Programming Language :: Python",
        PY + "Implementation :: CPython",
        "Programming Language :: Python :: 3 :: Only",
        PY + "3.11",
        "Programming Language :: Cython",
        "License :: OSI Approved :: MIT License",
    ]
    assert _py(classifiers, requires_python=">=3.8") == Badge("python", "3.11", "blue")


@pytest.mark.parametrize(
    "classifiers, message",
    [
        ([PY + "3 :: Only"], "3"),
        ([PY + "2 :: Only"], "2"),
        (["Programming Language :: Python", PY + "3 :: Only"], "3"),
        # the X.Y classifiers win when there are any
        ([PY + "3 :: Only", PY + "3.10"], "3.10"),
        ([PY + "3 :: Only", PY + "3"], "3"),
    ],
)
def test_py_versions_only_fallback(classifiers, message):
    assert _py(classifiers, requires_python=">=3.7") == Badge("python", message, "blue")


@pytest.mark.parametrize(
    "requires_python, message",
    [
        (">=3.9", ">=3.9"),
        (">= 3.9", ">=3.9"),
        (" >= 3.8 , < 4 ", ">=3.8,<4"),
        ("~=3.10", "~=3.10"),
        (">=2.7, !=3.0.*, !=3.1.*", ">=2.7,!=3.0.*,!=3.1.*"),
    ],
)
def test_py_versions_requires_python(requires_python, message):
    classifiers = ["Programming Language :: Python", PY + "Implementation :: CPython"]
    assert _py(classifiers, requires_python) == Badge("python", message, "blue")


@pytest.mark.parametrize(
    "classifiers, requires_python",
    [
        ([], ""),
        ([], "   "),
        (["Programming Language :: Python"], ""),
        ([PY + "Implementation :: PyPy", "License :: OSI Approved :: MIT License"], ""),
    ],
)
def test_py_versions_unknown(classifiers, requires_python):
    assert _py(classifiers, requires_python) == Badge("python", "unknown", "lightgrey")


# -- implementation -------------------------------------------------------------------------

IMPL = "Programming Language :: Python :: Implementation :: "


@pytest.mark.parametrize(
    "classifiers, message",
    [
        ([], "cpython"),
        (["Programming Language :: Python :: 3.9", "License :: OSI Approved :: MIT License"], "cpython"),
        ([IMPL + "CPython"], "cpython"),
        ([IMPL + "PyPy"], "pypy"),
        ([IMPL + "PyPy", IMPL + "CPython"], "cpython, pypy"),
        ([IMPL + "PyPy", IMPL + "Jython", IMPL + "CPython", IMPL + "IronPython"],
         "cpython, ironpython, jython, pypy"),
        # unique after lower-casing
        ([IMPL + "CPython", IMPL + "cpython", IMPL + "PyPy", IMPL + "PyPy"], "cpython, pypy"),
        ([IMPL + "MicroPython"], "micropython"),
    ],
)
def test_implementation_badge(classifiers, message):
    facts = PackageFacts(version="1.0", classifiers=tuple(classifiers))
    assert pypip.implementation_badge(facts, Options()) == Badge("implementation", message, "blue")


# -- status ---------------------------------------------------------------------------------

DS = "Development Status :: "


@pytest.mark.parametrize(
    "classifier, message, color",
    [
        ("1 - Planning", "planning", "red"),
        ("2 - Pre-Alpha", "pre-alpha", "red"),
        ("3 - Alpha", "alpha", "red"),
        ("4 - Beta", "beta", "yellow"),
        ("5 - Production/Stable", "stable", "brightgreen"),
        ("6 - Mature", "mature", "brightgreen"),
        ("7 - Inactive", "inactive", "red"),
    ],
)
def test_status_each_level(classifier, message, color):
    facts = PackageFacts(version="1.0", classifiers=(DS + classifier,))
    assert pypip.status_badge(facts, Options()) == Badge("status", message, color)


@pytest.mark.parametrize(
    "levels, message, color",
    [
        (["3 - Alpha", "5 - Production/Stable"], "stable", "brightgreen"),
        (["5 - Production/Stable", "3 - Alpha"], "stable", "brightgreen"),
        (["4 - Beta", "2 - Pre-Alpha", "1 - Planning"], "beta", "yellow"),
        (["6 - Mature", "7 - Inactive"], "inactive", "red"),
        (["7 - Inactive", "5 - Production/Stable"], "inactive", "red"),
    ],
)
def test_status_highest_wins(levels, message, color):
    facts = PackageFacts(version="1.0", classifiers=tuple(DS + level for level in levels))
    assert pypip.status_badge(facts, Options()) == Badge("status", message, color)


@pytest.mark.parametrize(
    "classifiers",
    [
        (),
        ("License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"),
    ],
)
def test_status_unknown(classifiers):
    facts = PackageFacts(version="1.0", classifiers=classifiers)
    assert pypip.status_badge(facts, Options()) == Badge("status", "unknown", "lightgrey")


# -- errors ---------------------------------------------------------------------------------

OWN_LABELS = [
    ("d", "downloads"),
    ("download", "downloads"),
    ("v", "pypi"),
    ("version", "pypi"),
    ("wheel", "wheel"),
    ("egg", "egg"),
    ("format", "format"),
    ("license", "license"),
    ("py_versions", "python"),
    ("implementation", "implementation"),
    ("status", "status"),
    ("project-status", "project"),
    ("provenance", "provenance"),
]

ERRORS = [
    (Reason.NOT_FOUND, "package not found", "red"),
    (Reason.INVALID_NAME, "invalid package name", "red"),
    (Reason.UNAVAILABLE, "unavailable", "lightgrey"),
]


@pytest.mark.parametrize("kind, label", OWN_LABELS)
@pytest.mark.parametrize("error, message, color", ERRORS)
def test_error_badges_keep_own_label(kind, label, error, message, color):
    assert PYPIP.error(PYPIP.kind(kind), error, Options()) == Badge(label, message, color, is_error=True)


@pytest.mark.parametrize("kind", ["v", "version"])
@pytest.mark.parametrize("error, message, color", ERRORS)
def test_error_version_badge_label_follows_text(kind, error, message, color):
    options = Options.from_query({"text": "version"})
    assert PYPIP.error(PYPIP.kind(kind), error, options) == Badge("version", message, color, is_error=True)


@pytest.mark.parametrize("kind, label", OWN_LABELS)
def test_own_label_matches_the_normal_badges(kind, label):
    assert PYPIP.kind(kind).own_label(Options()) == label


def test_normal_badges_have_their_own_label():
    """
    The labels of the error badges are those the normal badges have.
    """
    for kind in PYPIP.kinds:
        badge = kind.say(sample_of(kind.reads), Options())
        assert badge.label == kind.own_label(Options())
        assert not badge.is_error


# -- customize() ----------------------------------------------------------------------------


def test_customize_without_options_changes_nothing():
    badge = Badge("pypi", "1.0", "brightgreen")
    assert badges.customize(badge, Options()) == badge
    error = PYPIP.error(PYPIP.kind("v"), Reason.NOT_FOUND, Options())
    assert badges.customize(error, Options()) == error


def kind(name: str) -> badges.Kind:
    """
    PYPIP's kind of that name, which these tests know it has.
    """
    found = PYPIP.kind(name)
    assert found is not None, name
    return found


@pytest.mark.parametrize(
    "badge",
    [
        Badge("pypi", "1.0", "brightgreen"),
        Badge("python", "3.9", "blue"),
        PYPIP.error(kind("py_versions"), Reason.NOT_FOUND, Options()),
        PYPIP.error(kind("d"), Reason.INVALID_NAME, Options()),
        PYPIP.error(kind("license"), Reason.UNAVAILABLE, Options()),
    ],
)
def test_customize_label_applies_to_every_badge(badge):
    options = Options.from_query({"label": "my label"})
    customized = badges.customize(badge, options)
    assert customized.label == "my label"
    assert customized.message == badge.message
    assert customized.color == badge.color
    assert customized.is_error == badge.is_error


@pytest.mark.parametrize(
    "query, color",
    [
        ({"color": "blue"}, "blue"),
        ({"color": "success"}, "brightgreen"),
        ({"color": "abc"}, "#abc"),
        ({"color": "#FF0000"}, "#ff0000"),
        ({"color": "rebeccapurple"}, "rebeccapurple"),
    ],
)
def test_customize_color_applies_to_normal_badges(query, color):
    badge = Badge("pypi", "1.0", "brightgreen")
    assert badges.customize(badge, Options.from_query(query)) == Badge("pypi", "1.0", color)


def test_customize_invalid_color_is_ignored():
    badge = Badge("pypi", "1.0", "brightgreen")
    assert badges.customize(badge, Options.from_query({"color": "nonsense"})) == badge


@pytest.mark.parametrize("kind, label", OWN_LABELS)
@pytest.mark.parametrize("error, message, color", ERRORS)
def test_customize_color_does_not_apply_to_errors(kind, label, error, message, color):
    options = Options.from_query({"color": "blue"})
    assert badges.customize(PYPIP.error(PYPIP.kind(kind), error, options), options) == Badge(
        label, message, color, is_error=True
    )


def test_customize_label_and_color_together():
    options = Options.from_query({"label": "dl", "color": "#123"})
    assert badges.customize(Badge("downloads", "1k/month", "brightgreen"), options) == Badge(
        "dl", "1k/month", "#123"
    )
    assert badges.customize(PYPIP.error(PYPIP.kind("d"), Reason.NOT_FOUND, options), options) == Badge(
        "dl", "package not found", "red", is_error=True
    )


# -- beyond pypip.in (issue 7) --------------------------------------------------------------


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
    record = (b'{"version":"1","license":"","license_expression":"","classifiers":[],"requires_python":"",'
              b'"packagetypes":[]}')
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
