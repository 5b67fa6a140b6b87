"""
The domain's facts (L{pypipins.facts}) that are pure functions: wheel names read and condensed
for the platforms and free-threaded badges, with hypothesis over names made of every kind of
tag.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypipins import facts
from pypipins.facts import ANY, BINARY, NO_CPYTHON_WHEEL, PURE, WheelTags, Wheels

pytestmark = pytest.mark.pure

# -- names made of tags ---------------------------------------------------------------------

#: Platform tags of every family the badge names, and a few it does not, by the system each is.
PLATFORMS = {
    "manylinux1_x86_64": "linux", "manylinux2014_aarch64": "linux",
    "manylinux_2_17_x86_64": "linux", "manylinux_2_28_ppc64le": "linux",
    "musllinux_1_2_x86_64": "linux", "linux_x86_64": "linux", "linux_armv7l": "linux",
    "macosx_10_9_x86_64": "macos", "macosx_11_0_arm64": "macos", "macosx_10_9_universal2": "macos",
    "win32": "windows", "win_amd64": "windows", "win_arm64": "windows",
    "android_21_arm64_v8a": "android", "android_24_x86_64": "android",
    "ios_13_0_arm64_iphoneos": "ios", "ios_13_0_x86_64_iphonesimulator": "ios",
    "any": ANY,
    "cygwin_3_5_x86_64": None, "freebsd_14_0_amd64": None, "emscripten_3_1_58_wasm32": None,
}

PYTHONS = ["py3", "py2", "py38", "cp39", "cp313", "cp314", "cp315", "pp310", "pp312", "graalpy311"]
ABIS = ["none", "abi3", "abi3t", "cp313", "cp313t", "cp313td", "cp314t", "cp315t", "pypy310_pp73", "cp38m"]

#: A project name as a wheel writes it (PEP 427 escapes "-" as "_"), of odd but valid spellings.
names = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9_.]{0,20}[A-Za-z0-9])?", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,4}(?:\.[0-9]{1,3}){0,3}(?:(?:a|b|rc|\.post|\.dev)[0-9]{1,2})?(?:\+[a-z0-9.]{1,8})?",
                         fullmatch=True)
builds = st.none() | st.from_regex(r"[0-9]{1,3}[A-Za-z0-9_]{0,4}", fullmatch=True)


def tag_set(tags):
    return st.lists(st.sampled_from(tags), min_size=1, max_size=4, unique=True)


def wheel_name(name, version, build, pythons, abis, platforms):
    parts = [name, version, *([build] if build else []), ".".join(pythons), ".".join(abis), ".".join(platforms)]
    return "-".join(parts) + ".whl"


wheel_parts = st.tuples(names, versions, builds, tag_set(PYTHONS), tag_set(ABIS), tag_set(list(PLATFORMS)))


@given(wheel_parts)
def test_the_tag_sets_of_a_wheel_are_read(parts):
    *_, pythons, abis, platforms = parts
    assert facts.tag_sets(wheel_name(*parts)) == (".".join(pythons), ".".join(abis), ".".join(platforms))


@given(st.lists(wheel_parts, max_size=4))
def test_tags_are_read_in_any_case(many):
    shouted = [wheel_name(name, version, build, [p.upper() for p in pythons], [a.upper() for a in abis],
                          [p.upper() for p in platforms])
               for name, version, build, pythons, abis, platforms in many]
    assert facts.condense_wheels(shouted) == facts.condense_wheels(wheel_name(*parts) for parts in many)


@given(st.lists(wheel_parts, max_size=6))
def test_each_system_is_named_when_some_tag_of_some_wheel_is_for_it(many):
    condensed = facts.condense_wheels(wheel_name(*parts) for parts in many)
    expected = {PLATFORMS[platform] for *_, platforms in many for platform in platforms} - {None}
    assert set(condensed.platforms) == expected
    order = (*facts.SYSTEMS, ANY)
    assert list(condensed.platforms) == sorted(condensed.platforms, key=order.index)


@given(st.lists(wheel_parts, max_size=6), st.randoms())
def test_condensing_heeds_neither_order_nor_repeats(many, random):
    filenames = [wheel_name(*parts) for parts in many]
    shuffled = filenames * 2
    random.shuffle(shuffled)
    assert facts.condense_wheels(shuffled) == facts.condense_wheels(filenames)


NOT_WHEELS = [
    "klein-24.8.0.tar.gz", "klein-24.8.0.zip", "klein-24.8.0-py2.7.egg", "klein-24.8.0-py3-none-any.whl.metadata",
    "klein-24.8.0-py3-none-any.WHL", "klein-24.8.0-py3-none.whl", "klein-py3-none-any.whl",
    "klein-24.8.0-x1-extra-py3-none-any.whl", "klein-24.8.0-build-py3-none-any.whl",
    "-24.8.0-py3-none-any.whl", "klein--py3-none-any.whl", "klein-24.8.0-py3..py2-none-any.whl",
    "klein-24.8.0-py3-none-any..whl", "klein-24.8.0-py3-none-.whl", "klein-24.8.0-py3-no ne-any.whl",
    ".whl", "", "klein-24.8.0-py3-none-any.whl/", "klein-24.8.0-py3-none-any.whl.asc",
]


@pytest.mark.parametrize("filename", NOT_WHEELS)
def test_names_that_are_not_wheels_are_passed_over(filename):
    assert facts.tag_sets(filename) is None
    assert facts.condense_wheels([filename]) == Wheels()


@given(st.lists(wheel_parts, max_size=4), st.lists(st.sampled_from(NOT_WHEELS) | st.text(max_size=40), max_size=4))
def test_other_names_beside_wheels_change_nothing(many, others):
    filenames = [wheel_name(*parts) for parts in many]
    assert facts.condense_wheels(filenames + others) == facts.condense_wheels(filenames)


def test_odd_but_valid_names():
    assert facts.tag_sets("Foo.Bar_baz-1.0.post1+cpu.2-1a-CP39.cp310-abi3-Win_AMD64.whl") == (
        "CP39.cp310", "abi3", "Win_AMD64")
    assert facts.condense_wheels(["Foo.Bar_baz-1.0.post1+cpu.2-1a-CP39.cp310-abi3-Win_AMD64.whl"]) == Wheels(
        ("windows",), (), BINARY)
    assert facts.tag_sets("a-0-py3-none-any.whl") == ("py3", "none", "any")
    assert facts.tag_sets("torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl") == ("cp312", "cp312", "linux_x86_64")


def test_the_tags_of_a_compressed_set():
    tags = WheelTags(("cp315",), ("abi3", "abi3t"), ("manylinux2014_x86_64", "manylinux_2_17_x86_64"))
    assert facts.free_threaded_builds(tags) == {((3, 15), True)}
    assert facts.free_threaded_builds(WheelTags(("cp313",), ("cp313t", "cp313"), ())) == {((3, 13), False)}


@pytest.mark.parametrize("platform, system", PLATFORMS.items())
def test_systems(platform, system):
    assert facts.platform_system(platform) == system


# -- free-threaded builds -------------------------------------------------------------------


def condensed(*filenames):
    return facts.condense_wheels(filenames)


def test_free_threaded_abi_gives_its_version():
    found = condensed("x-1-cp313-cp313t-manylinux_2_17_x86_64.whl", "x-1-cp314-cp314t-win_amd64.whl",
                      "x-1-cp313-cp313-win_amd64.whl")
    assert found == Wheels(("linux", "windows"), ("3.13t", "3.14t"), BINARY)


def test_debug_free_threaded_abi_counts():
    assert condensed("x-1-cp313-cp313td-linux_x86_64.whl").free_threaded == ("3.13t",)


def test_abi3t_gives_its_version_and_later_which_it_absorbs():
    found = condensed("x-1-cp315-abi3.abi3t-macosx_11_0_arm64.whl", "x-1-cp316-cp316t-macosx_11_0_arm64.whl",
                      "x-1-cp315-cp315t-macosx_11_0_arm64.whl", "x-1-cp314-cp314t-macosx_11_0_arm64.whl")
    assert found.free_threaded == ("3.14t", "3.15t+")


def test_abi3_alone_is_no_free_threaded_build():
    found = condensed("x-1-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", "x-1-cp39-abi3-win_amd64.whl")
    assert found == Wheels(("linux", "windows"), (), BINARY)


def test_versions_sort_as_numbers():
    found = condensed("x-1-cp39-cp39-win32.whl", "x-1-cp310-cp310t-win32.whl", "x-1-cp313-cp313t-win32.whl",
                      "x-1-cp39-cp39t-win32.whl")
    assert found.free_threaded == ("3.9t", "3.10t", "3.13t")


@given(st.sets(st.tuples(st.tuples(st.integers(3, 4), st.integers(0, 30)), st.booleans()), max_size=8))
def test_free_threaded_words_sorted_and_absorbed(versions):
    words = facts.free_threaded_words(versions)
    numbers = [tuple(int(n) for n in word.rstrip("+").rstrip("t").split(".")) for word in words]
    assert numbers == sorted(set(numbers))
    plain = {version for version, later in versions if not later}
    since = min((version for version, later in versions if later), default=None)
    # every version below the first "and later" is said as itself; that one says the rest
    assert set(numbers) == {v for v in plain if since is None or v < since} | ({since} if since else set())
    assert [word.endswith("+") for word in words] == [since is not None and n == since for n in numbers]


def test_pypy_wheels_do_not_count():
    found = condensed("x-1-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", "x-1-pp312-pypy312_pp80-win_amd64.whl")
    assert found == Wheels(("linux", "windows"), (), NO_CPYTHON_WHEEL)


def test_pure_wheels_only():
    assert condensed("x-1-py2.py3-none-any.whl", "x-1.tar.gz") == Wheels((ANY,), (), PURE)


def test_a_pure_fallback_beside_binary_wheels():
    found = condensed("x-1-py3-none-any.whl", "x-1-cp313-cp313-manylinux_2_17_x86_64.whl",
                      "x-1-cp313-cp313-macosx_11_0_arm64.whl")
    # any platform, yet the wheels built for an ABI have none for the free-threaded build
    assert found == Wheels(("linux", "macos", ANY), (), BINARY)


def test_no_wheels():
    assert condensed("x-1.tar.gz", "x-1-py2.7.egg") == Wheels()
