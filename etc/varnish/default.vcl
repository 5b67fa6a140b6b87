# Varnish in front of pypipins, as the original ran it (whose file was Varnish 3: this is VCL 4.1).
#
#   varnishd -F -a 127.0.0.1:6081 -f /srv/pypipins/etc/varnish/default.vcl -s malloc,256m
#
# Badges are cached for an hour with six hours of grace, as the original did, but never longer
# than pypipins' own Cache-Control allows (its version badges say five minutes, stale ones a
# minute), and with no grace at all when it allows none (the `queued` placeholder).
# "PURGE /<package>" from this machine drops every badge of a package, on every route, however
# its name is spelt; never one that came through a proxy (nginx connects from this machine too).
#
# A fleet: one daemon per core on 8881, 8882... (etc/supervisor/pypipins.conf, or
# etc/systemd/pypipins@.service), taken in turn. A daemon that stops answering /healthz is
# left out within two seconds, and a fetch it fails is tried again on the next one, so that
# no client sees the failure. One more daemon: one more backend, and its add_backend line.
vcl 4.1;

import blob;
import directors;
import std;

# /healthz costs a daemon no Redis or upstream request: it can be asked every second. Two
# failures out of three make a daemon sick (within about 2 s), two successes make it well again.
# Its own User-Agent tells probes from clients in the daemons' access logs.
probe healthz {
    .request =
        "GET /healthz HTTP/1.1"
        "Host: localhost"
        "User-Agent: varnish-probe"
        "Connection: close";
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    # healthy from the start: a daemon that is not yet up costs a retry, not a 503
    .initial = 2;
}

backend pypipins_8881 {
    .host = "127.0.0.1";
    .port = "8881";
    .probe = healthz;
    .connect_timeout = 2s;
    .first_byte_timeout = 20s;
}

backend pypipins_8882 {
    .host = "127.0.0.1";
    .port = "8882";
    .probe = healthz;
    .connect_timeout = 2s;
    .first_byte_timeout = 20s;
}

sub vcl_init {
    new fleet = directors.round_robin();
    fleet.add_backend(pypipins_8881);
    fleet.add_backend(pypipins_8882);
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # Varnish has already added client.ip to X-Forwarded-For: anything more in it, or a
        # Forwarded or X-Real-IP, means a proxy passed the PURGE on for someone else. nginx
        # forwards only GET and HEAD, but this holds even if it did not.
        if (client.ip !~ purgers
            || (req.http.X-Forwarded-For && req.http.X-Forwarded-For != "" + client.ip)
            || req.http.Forwarded || req.http.X-Real-IP) {
            return (synth(405, "Not allowed"));
        }
        # PURGE /<package> and nothing else: a name as PyPI takes them, or a 400 (a kind, a
        # path or an empty name would have cleared what is not one package's)
        if (req.url !~ "^/[^/?]+/?$") {
            return (synth(400, "PURGE /<package>"));
        }
        set req.http.X-Badge-Package = regsub(req.url, "^/([^/]+)/?$", "\1");
        # escapes of a name's own characters read as the daemon reads them (badge_package)
        if (req.http.X-Badge-Package ~ "%" && req.http.X-Badge-Package ~
                "^([^%]|%(2[DEde]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]))*$") {
            set req.http.X-Badge-Package = blob.transcode(decoding=URL, encoding=IDENTITY,
                                                          encoded=req.http.X-Badge-Package);
        }
        if (req.http.X-Badge-Package !~ "^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$") {
            return (synth(400, "Not a package name"));
        }
        ban("obj.http.X-Badge-Package == " +
            std.tolower(regsuball(req.http.X-Badge-Package, "[-_.]+", "-")));
        return (synth(200, "Purged"));
    }
    set req.backend_hint = fleet.backend();
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Badges are the same for everyone: nothing personal reaches the cache or the backend.
    unset req.http.Cookie;
    unset req.http.Authorization;
    return (hash);
}

sub vcl_backend_fetch {
    # A retry goes to another daemon than the one that failed: the first, or the second if
    # the first failed. Not the director's next pick: its turn is shared by every request at
    # once, so that could be the failed daemon again.
    if (bereq.retries > 0) {
        if (bereq.http.X-Pypipins-Failed == "pypipins_8881") {
            set bereq.backend = pypipins_8882;
        } else {
            set bereq.backend = pypipins_8881;
        }
    }
}

sub vcl_backend_error {
    # The daemon did not answer (refused, reset, timed out: it died or is dying) and its probe
    # has not caught up yet: another daemon answers. Only GET and HEAD, which are safe to send
    # twice; bounded, for when every daemon is down.
    if ((bereq.method == "GET" || bereq.method == "HEAD") && bereq.retries < 3) {
        set bereq.http.X-Pypipins-Failed = beresp.backend;
        return (retry);
    }
    if (bereq.is_bgfetch) {
        # no daemon answers the refresh of a copy in grace: the copy stays (below)
        return (abandon);
    }
}

sub vcl_backend_response {
    if (bereq.is_bgfetch && beresp.status >= 500) {
        # A copy in grace being refreshed, and the daemon fails (a 500, or a 503 when its
        # drawers are busy): the copy stays and is served until its grace ends, as the daemon
        # allows (stale-if-error, sent wherever stale-while-revalidate is), rather than the
        # failure being kept in its place as a pass for everyone.
        return (abandon);
    }
    unset beresp.http.Set-Cookie;
    if (beresp.http.Cache-Control ~ "no-store|private") {
        # /healthz: the backend's state now, never a copy
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.status >= 400) {
        # errors are passed, and not remembered beyond a short hit-for-miss
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;
        return (deliver);
    }
    # Varnish has already taken the TTL from s-maxage/max-age: at most the original's hour.
    if (!beresp.http.Cache-Control) {
        set beresp.ttl = 1h;
    } elsif (beresp.ttl > 1h) {
        set beresp.ttl = 1h;
    }
    # Grace is a copy served past its TTL while Varnish asks again, and while asking fails:
    # only what the daemon allows to go stale (its stale-while-revalidate, from which Varnish
    # has already taken the grace; it sends stale-if-error beside it), at most the original's
    # six hours. None for what it allows none: the `queued` placeholder, to be asked again in
    # 30 s, would otherwise get Varnish's default_grace. Keep is left at Varnish's default
    # (none): it only lets Varnish ask with If-None-Match, it never serves a copy.
    if (beresp.http.Cache-Control !~ "(^|,)[ ]*stale-while-revalidate=[0-9]+") {
        set beresp.grace = 0s;
    } elsif (beresp.grace > 6h) {
        set beresp.grace = 6h;
    }
    call badge_package;
    return (deliver);
}

# For PURGE: the package a response is about, in X-Badge-Package (left out when it is about
# none), read from the URL as the daemon's routes read it (pypipins/web/routes.py):
#   /<kind>/<package>/badge.<ext>                        pypip.in's routes
#   /pypi/<kind>/<package>[.<ext>]                        shields' (no extension is SVG)
#   /pypi/<kind>/<package>/<release>[.<ext>]              shields', of one release
#   /pypi/frameworkversions/<framework>/<package>...      (and the old /pypi/djversions/...)
#   /?package=<package>                                   the site's page of a package
# not /badge/... (static badges) nor /badges/<kind> (a kind's page). Escapes of a name's own
# characters (%4B for K) are read as the daemon reads them; then the name is normalised as
# PEP 503 says (lower case, runs of -_. as one -), as the daemon normalises it, so that
# /v/Zope.Interface/badge.svg and /pypi/v/zope_interface.svg are both zope-interface's.
sub badge_package {
    unset beresp.http.X-Badge-Package;
    if (bereq.url ~ "^/pypi/frameworkversions/[^/?]+/[^/?]") {
        set beresp.http.X-Badge-Package =
            regsub(bereq.url, "^/pypi/frameworkversions/[^/?]+/([^?]*).*$", "\1");
    } elsif (bereq.url ~ "^/pypi/[^/?]+/[^/?]") {
        set beresp.http.X-Badge-Package = regsub(bereq.url, "^/pypi/[^/?]+/([^?]*).*$", "\1");
    } elsif (bereq.url ~ "^/badge/") {
        # a static badge: no package's
    } elsif (bereq.url ~ "^/[^/?]+/[^/?]+/badge\.[^/?]+(\?|$)") {
        set beresp.http.X-Badge-Package = regsub(bereq.url, "^/[^/?]+/([^/?]+)/.*$", "\1");
    } elsif (bereq.url ~ "^/\?(.*&)?package=") {
        # the first package= of the query, as the daemon reads it
        set beresp.http.X-Badge-Package =
            regsub(bereq.url, "^/\?(?:[^&]*&)*?package=([^&]*).*$", "\1");
    }
    # Only when every escape is of a letter, digit, - . or _ (any other leaves the name
    # matching no PURGE, which takes names only): decoding one cannot fail, nor make a
    # character a header cannot hold.
    if (beresp.http.X-Badge-Package ~ "%" && beresp.http.X-Badge-Package ~
            "^([^%]|%(2[DEde]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]))*$") {
        set beresp.http.X-Badge-Package = blob.transcode(decoding=URL, encoding=IDENTITY,
                                                         encoded=beresp.http.X-Badge-Package);
    }
    if (bereq.url ~ "^/pypi/") {
        # shields' target: the package is before a release, else before the format's extension
        if (beresp.http.X-Badge-Package ~ "/") {
            set beresp.http.X-Badge-Package = regsub(beresp.http.X-Badge-Package, "/.*$", "");
        } else {
            set beresp.http.X-Badge-Package = regsub(beresp.http.X-Badge-Package,
                                                     "\.(svg|png|jpeg|jpg|tiff|gif|json)$", "");
        }
    }
    if (beresp.http.X-Badge-Package) {
        set beresp.http.X-Badge-Package =
            std.tolower(regsuball(beresp.http.X-Badge-Package, "[-_.]+", "-"));
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    unset resp.http.X-Badge-Package;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
