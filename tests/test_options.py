"""
The options of both daemons, in-process: every refusal, in the words twistd prints (the
L{usage.UsageError}'s text). tests/test_daemon.py runs one of each through twistd.
"""

import pytest

pytestmark = pytest.mark.pure
from twisted.python import usage

from pypipins import shields_tap, tap


def refusal(options: usage.Options, args):
    with pytest.raises(usage.UsageError) as refused:
        options.parseOptions(args)
    return str(refused.value)


@pytest.mark.parametrize(
    "args, says",
    [(["--redis", "http://x"], "--redis: 'http://x' is neither redis:// nor unix://"),
     (["--redis", "redis://h/x"], "database 'x'"),
     (["--cache-ttl", "0"], "--cache-ttl must be positive"),
     (["--pypi-url", "ftp://x"], "--pypi-url must be an http:// or https:// URL"),
     (["--shields-url", "x"], "--shields-url must be an http:// or https:// URL"),
     (["--public-url", "badges.example.org"], "--public-url must be an http:// or https:// URL"),
     (["--unhealthy-after", "-1"], "--unhealthy-after must be positive"),
     (["--metrics-port", "tcp:8888:interface=127.0.0.1"], "--metrics-port must not be the badge port"),
     # the URL, which holds a password, is not repeated
     (["--index", "corp=https://alice:s3cr3t@x.test/simple"], "credentials go in auth=env"),
     (["--index", "corp=https://x.test/simple,auth=env:PYPIPINS_NO_SUCH_VARIABLE"],
      "the environment variable PYPIPINS_NO_SUCH_VARIABLE is not set")],
)
def test_bad_options_are_refused(args, says):
    said = refusal(tap.Options(), args)
    assert says in said
    # the URL, which holds a password, is not repeated
    assert "s3cr3t" not in said


@pytest.mark.parametrize("args, says", [
    (["--raster-workers", "0"], "--raster-workers must be at least 1"),
    (["--raster-timeout", "0"], "--raster-timeout must be positive"),
    (["--raster-queue", "-1"], "--raster-queue must not be negative"),
])
@pytest.mark.parametrize("options", [tap.Options, shields_tap.Options], ids=["pypipins", "shields"])
def test_bad_raster_options_are_refused(options, args, says):
    assert says in refusal(options(), args)


def test_good_options_are_taken():
    config = tap.Options()
    config.parseOptions(["--redis", "redis://127.0.0.1:6380/2", "--cache-ttl", "60"])
    assert config["cache-ttl"] == 60
