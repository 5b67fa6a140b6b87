"""
C{--index}: what it may say, where credentials come from, and that no error repeats a secret.
"""

import base64

import pytest
from twisted.python import usage

from pypipins.upstream import indexes
from pypipins.upstream.indexes import Index, IndexOption
from pypipins.tap import Options

pytestmark = pytest.mark.pure

SECRET = "alice:s3cr3t-Pa55"


def no_file(path):
    raise FileNotFoundError(2, "No such file or directory", path)


@pytest.mark.parametrize(
    "text, option",
    [("corp=https://index.test/simple/", IndexOption("corp", "https://index.test/simple")),
     ("corp=http://127.0.0.1:3141/root/pypi/+simple/,auth=env:CORP_AUTH",
      IndexOption("corp", "http://127.0.0.1:3141/root/pypi/+simple", "simple", ("env", "CORP_AUTH"))),
     ("mirror=https://mirror.test/pypi,api=json,auth=file:/etc/pypipins/mirror",
      IndexOption("mirror", "https://mirror.test/pypi", "json", ("file", "/etc/pypipins/mirror"))),
     ("a_b-9=https://x.test,api=simple", IndexOption("a_b-9", "https://x.test")),
     ("corp=https://x.test/simple,files=https://files.x.test,files=http://127.0.0.1:8080/",
      IndexOption("corp", "https://x.test/simple",
                  file_hosts=(("https", "files.x.test", 443), ("http", "127.0.0.1", 8080))))],
)
def test_options(text, option):
    assert indexes.parse_option(text) == option


@pytest.mark.parametrize(
    "text, says",
    [("corp", "NAME=URL"), ("corp=", "NAME=URL"),
     ("Corp=https://x.test", "lower-case"), ("-x=https://x.test", "lower-case"),
     ("x" * 33 + "=https://x.test", "at most 32"),
     ("pypi=https://x.test", "PyPI's own name"),
     ("corp=ftp://x.test", "not an http:// or https:// URL"),
     ("corp=x.test/simple", "not an http:// or https:// URL"),
     ("corp=https://x.test:http/", "no valid port"),
     ("corp=https://x.test/simple?x=1", "query or a fragment"),
     ("corp=https://x.test,api=xml", "'api': the settings are"),
     ("corp=https://x.test,auth=vault:x", "auth is env:VARIABLE or file:PATH"),
     ("corp=https://x.test,auth=env:", "auth is env:VARIABLE or file:PATH"),
     ("corp=https://x.test,files=ftp://files.test", "is not an http:// or https:// origin"),
     ("corp=https://x.test,files=files.test", "is not an http:// or https:// origin"),
     ("corp=https://x.test,files=https://files.test:x", "has no valid port"),
     ("corp=https://x.test,files=https://files.test/packages", "with no path"),
     ("corp=https://x.test,files=https://files.test/?a=1", "with no path")],
)
def test_bad_options(text, says):
    with pytest.raises(ValueError) as raised:
        indexes.parse_option(text)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [f"corp=https://{SECRET}@index.test/simple/",
     f"https://{SECRET}@index.test/simple/",
     f"corp=https://index.test/simple/,token={SECRET}",
     f"corp=https://index.test/simple/,auth={SECRET}",
     f"{SECRET}=https://index.test/",
     f"corp=https://index.test/simple/,files=https://{SECRET}@files.test",
     f"corp=https://index.test/simple/,files=https://files.test/?token={SECRET}"],
)
def test_errors_never_repeat_a_secret(text):
    with pytest.raises(ValueError) as raised:
        indexes.parse_option(text)
    assert "s3cr3t" not in str(raised.value)


def test_names_are_unique():
    with pytest.raises(ValueError, match="'corp' is given twice"):
        indexes.configure_all(["corp=https://a.test", "corp=https://b.test"], {}, no_file)


def basic(secret):
    return "Basic " + base64.b64encode(secret.encode()).decode()


def test_credentials_from_the_environment_and_from_files():
    environ = {"CORP_AUTH": SECRET + "\n"}
    files = {"/run/token": "  pypi-AgEIcHlwaS5vcmc \n"}
    found = indexes.configure_all(
        ["corp=https://index.test/simple,auth=env:CORP_AUTH",
         "gitlab=https://gitlab.test/api/v4/projects/1/packages/pypi/simple,auth=file:/run/token",
         "open=https://open.test/simple"],
        environ, files.__getitem__)
    assert found == [
        Index("corp", "https://index.test/simple", "simple", basic(SECRET)),
        Index("gitlab", "https://gitlab.test/api/v4/projects/1/packages/pypi/simple", "simple",
              basic("__token__:pypi-AgEIcHlwaS5vcmc")),
        Index("open", "https://open.test/simple", "simple", None),
    ]
    # a secret is never part of what a configured index shows of itself
    assert "s3cr3t" not in repr(found) and "Basic" not in repr(found)


@pytest.mark.parametrize(
    "text, environ, says",
    [("corp=https://x.test,auth=env:CORP_AUTH", {}, "CORP_AUTH is not set"),
     ("corp=https://x.test,auth=env:CORP_AUTH", {"CORP_AUTH": " \n"}, "are empty"),
     ("corp=https://x.test,auth=env:CORP_AUTH", {"CORP_AUTH": SECRET + "\nX-Other: 1"},
      "not one line"),
     ("corp=https://x.test,auth=file:/nowhere/secret", {},
      "cannot read /nowhere/secret: No such file or directory")],
)
def test_credentials_that_cannot_be_had(text, environ, says):
    with pytest.raises(ValueError) as raised:
        indexes.configure_all([text], environ, no_file)
    assert says in str(raised.value)
    assert "s3cr3t" not in str(raised.value)


def test_the_option_is_repeatable_and_read_at_start_up(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    monkeypatch.setenv("MIRROR_TOKEN", "t0ken")
    config = Options()
    config.parseOptions(["--index", f"corp=http://127.0.0.1:1/simple/,auth=file:{secret}",
                         "--index", "mirror=http://127.0.0.1:2/pypi,api=json,auth=env:MIRROR_TOKEN"])
    assert config["indexes"] == [
        Index("corp", "http://127.0.0.1:1/simple", "simple", basic(SECRET)),
        Index("mirror", "http://127.0.0.1:2/pypi", "json", basic("__token__:t0ken")),
    ]
    plain = Options()
    plain.parseOptions([])
    assert plain["indexes"] == []


def test_a_bad_option_is_a_usage_error():
    with pytest.raises(usage.UsageError, match="--index: corp: the environment variable NOPE"):
        Options().parseOptions(["--index", "corp=https://x.test,auth=env:NOPE"])
