"""
The options of both daemons, in-process: every refusal, in the words twistd prints (the
L{usage.UsageError}'s text). tests/scenarios/test_daemon.py runs one of each through twistd.
"""

import pytest
from twisted.python import usage

from pypipins import shields_tap, tap
from pypipins.store.redis import RedisAddress, Sentinels, parse_redis_url

pytestmark = pytest.mark.pure


def refusal(options: usage.Options, args):
    with pytest.raises(usage.UsageError) as refused:
        options.parseOptions(args)
    return str(refused.value)


@pytest.mark.parametrize(
    "args, says",
    [(["--redis", "http://x"], "--redis: 'http://x' is not redis://, redis+sentinel:// nor unix://"),
     (["--redis", "redis+sentinel://h:26379"], "no service name"),
     (["--redis", "redis+sentinel://h:x/mymaster"], "'h:x' in"),
     (["--redis", "redis+sentinel://h,/mymaster"], "'' in"),
     (["--redis", "redis+sentinel://h/mymaster/x"], "database 'x'"),
     (["--redis", "redis+sentinel://:s3cr3t@h:x/mymaster"], "'h:x' in 'redis+sentinel://***@"),
     (["--redis", "redis://:s3cr3t@h/x"], "database 'x'"),
     (["--redis", "redis://h/x"], "database 'x'"),
     (["--cache-ttl", "0"], "--cache-ttl must be positive"),
     (["--pypi-url", "ftp://x"], "--pypi-url must be an http:// or https:// URL"),
     (["--simple-url", "file:///simple"], "--simple-url must be an http:// or https:// URL"),
     (["--shields-url", "x"], "--shields-url must be an http:// or https:// URL"),
     (["--public-url", "badges.example.org"], "--public-url must be an http:// or https:// URL"),
     (["--unhealthy-after", "-1"], "--unhealthy-after must be positive"),
     (["--upstream-concurrency", "0"], "--upstream-concurrency must be positive"),
     (["--upstream-rate", "-5"], "--upstream-rate must be positive"),
     (["--upstream-rate", "1.5"], "invalid literal"),
     (["--ready-memory", "0"], "--ready-memory must be positive"),
     (["--image-memory", "-1"], "--image-memory must be positive"),
     (["--facts-memory", "x"], "invalid literal"),
     (["--metrics-port", "tcp:8888:interface=127.0.0.1"], "--metrics-port must not be the badge port"),
     (["--access-log", "/nonexistent/pypipins/access.log"],
      "--access-log: No such file or directory: /nonexistent/pypipins/access.log"),
     # the URL, which holds a password, is not repeated
     (["--index", "corp=https://alice:s3cr3t@x.test/simple"], "credentials go in auth=env"),
     (["--index", "corp=https://x.test/simple,auth=env:PYPIPINS_NO_SUCH_VARIABLE"],
      "the environment variable PYPIPINS_NO_SUCH_VARIABLE is not set"),
     (["--index", "corp=https://x.test/simple,files=https://alice:s3cr3t@files.test"],
      "files= is an origin, with no credentials in it")],
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


@pytest.mark.parametrize("url, address", [
    ("redis://127.0.0.1:6380/2", RedisAddress("tcp:host=127.0.0.1:port=6380", 2)),
    ("redis://:p%40ss@redis.example", RedisAddress("tcp:host=redis.example:port=6379", 0, "p@ss")),
    ("unix:///run/redis.sock?db=3", RedisAddress("unix:path=/run/redis.sock", 3)),
    ("redis+sentinel://:pw@h1:26380,h2,[::1]:5000/mymaster/2",
     RedisAddress(Sentinels("mymaster", (("h1", 26380), ("h2", 26379), ("::1", 5000))), 2, "pw")),
    ("redis+sentinel://127.0.0.1/cache", RedisAddress(Sentinels("cache", (("127.0.0.1", 26379),)))),
])
def test_redis_urls(url, address):
    assert parse_redis_url(url) == address


@pytest.mark.parametrize("url", [
    # a password with '/', '?' or '#' not percent-encoded, in each shape of URL
    "redis://:p/ss6S3cret@127.0.0.1:16380/0",
    "redis://:p?ss6S3cret@127.0.0.1:16380/0",
    "redis://:p#ss6S3cret@127.0.0.1:16380/0",
    "redis://user:p/ss6S3cret@127.0.0.1/0",
    "redis+sentinel://:p/ss6S3cret@127.0.0.1:26379/mymaster/0",
    "redis+sentinel://:p#ss6S3cret@h1,h2/mymaster",
    "unix://:p/ss6S3cret@/run/redis.sock?db=1",
    "unix://:p?ss6S3cret@/run/redis.sock",
    # well encoded, but wrong otherwise
    "redis://:p%2Fss6S3cret@h/x",
    "redis://:pss6S3cret@/0",
    "redis+sentinel://:pss6S3cret@h:x/mymaster",
    "redis+sentinel://:pss6S3cret@h1/",
    "unix://:pss6S3cret@?db=1",
    "unix://:pss6S3cret@/run/redis.sock?db=x",
    "rediss://:pss6S3cret@h/0",
    "pss6S3cret@h/0",
    ":p/ss6S3cret@h:6379",
])
def test_a_refused_redis_url_never_shows_its_password(url):
    said = refusal(tap.Options(), ["--redis", url])
    assert said.startswith("--redis: ")
    assert "S3cret" not in said and "ss6" not in said, said


def test_a_password_with_reserved_characters_is_explained():
    said = refusal(tap.Options(), ["--redis", "redis://:p/ss6S3cret@127.0.0.1:16380/0"])
    assert "%2F" in said and "--redis-password-file" in said


def test_an_at_in_a_socket_path_is_no_password():
    assert parse_redis_url("unix:///run/redis@main.sock?db=2") == RedisAddress(
        "unix:path=/run/redis@main.sock", 2
    )


def test_the_redis_password_from_a_file_or_a_variable(tmp_path, monkeypatch):
    secret = tmp_path / "redis-password"
    secret.write_text("p/ss#6S3cret?\n")
    config = tap.Options()
    config.parseOptions(["--redis", "redis://127.0.0.1:6380/2", "--redis-password-file", str(secret)])
    assert config["redis-address"] == RedisAddress("tcp:host=127.0.0.1:port=6380", 2, "p/ss#6S3cret?")
    assert "S3cret" not in repr(config["redis-address"])
    monkeypatch.setenv("PYPIPINS_TEST_REDIS_PASSWORD", "p/ss#6S3cret?")
    config = tap.Options()
    config.parseOptions(["--redis", "redis+sentinel://h/mymaster",
                         "--redis-password-env", "PYPIPINS_TEST_REDIS_PASSWORD"])
    assert config["redis-address"].password == "p/ss#6S3cret?"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for args, says in [
        (["--redis-password-file", str(tmp_path / "none")],
         f"--redis-password-file: cannot read {tmp_path / 'none'}: No such file or directory"),
        (["--redis-password-file", str(empty)], "--redis-password-file: the password is empty"),
        (["--redis-password-env", "PYPIPINS_NO_SUCH_VARIABLE"],
         "--redis-password-env: the environment variable PYPIPINS_NO_SUCH_VARIABLE is not set"),
        (["--redis-password-env", "PYPIPINS_TEST_REDIS_PASSWORD", "--redis-password-file", str(secret)],
         "give one"),
        (["--redis", "redis://:h1dden@h/0", "--redis-password-file", str(secret)],
         "--redis holds a password"),
    ]:
        said = refusal(tap.Options(), args)
        assert says in said and "S3cret" not in said and "h1dden" not in said, said


def test_memory_bounds_are_options_in_mib_with_defaults():
    config = tap.Options()
    config.parseOptions([])
    assert (config["ready-memory"], config["image-memory"], config["facts-memory"]) == (16, 16, 16)
    config = tap.Options()
    config.parseOptions(["--ready-memory", "256", "--image-memory", "64", "--facts-memory", "8"])
    assert (config["ready-memory"], config["image-memory"], config["facts-memory"]) == (256, 64, 8)


def test_good_options_are_taken():
    config = tap.Options()
    config.parseOptions(["--redis", "redis://127.0.0.1:6380/2", "--cache-ttl", "60"])
    assert config["cache-ttl"] == 60


def test_the_simple_api_is_pypis_by_default():
    options = tap.Options()
    options.parseOptions([])
    assert options["simple-url"] == "https://pypi.org/simple"
    options = tap.Options()
    options.parseOptions(["--simple-url", "http://127.0.0.1:1/simple/"])
    assert options["simple-url"] == "http://127.0.0.1:1/simple"


@pytest.mark.parametrize("options", [tap.Options, shields_tap.Options], ids=["pypipins", "shields"])
def test_trusted_proxies(options):
    config = options()
    config.parseOptions([])
    assert config["trusted-proxies"] == []
    config = options()
    config.parseOptions(["--trusted-proxy", "127.0.0.1,::1", "--trusted-proxy", "10.0.0.0/8"])
    assert [str(n) for n in config["trusted-proxies"]] == ["127.0.0.1/32", "::1/128", "10.0.0.0/8"]
    assert refusal(options(), ["--trusted-proxy", "varnish"]) == (
        "--trusted-proxy: 'varnish' is not an IP address or network")
