# Varnish in front of pypipins, as the original ran it (whose file was Varnish 3: this is VCL 4.1).
#
#   varnishd -F -a 127.0.0.1:6081 -f /srv/pypipins/etc/varnish/default.vcl -s malloc,256m
#
# Badges are cached for an hour with six hours of grace, as the original did, but never longer
# than pypipins' own Cache-Control allows (its version badges say five minutes, stale ones a
# minute). "PURGE /<package>" from this machine drops every badge of a package; never one
# that came through a proxy (nginx connects from this machine too).
#
# A fleet: one daemon per core on 8881, 8882... (etc/supervisor/pypipins.conf, or
# etc/systemd/pypipins@.service), taken in turn. A daemon that stops answering /healthz is
# left out within two seconds, and a fetch it fails is tried again on the next one, so that
# no client sees the failure. One more daemon: one more backend, and its add_backend line.
vcl 4.1;

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
        ban("obj.http.X-Badge-Package == " +
            std.tolower(regsuball(regsub(req.url, "^/([^/?]+).*$", "\1"), "[-_.]+", "-")));
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
}

sub vcl_backend_response {
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
    # Varnish has already taken the TTL from s-maxage/max-age and the grace from
    # stale-while-revalidate; cap them at the original's hour and six hours.
    if (!beresp.http.Cache-Control) {
        set beresp.ttl = 1h;
    } elsif (beresp.ttl > 1h) {
        set beresp.ttl = 1h;
    }
    if (beresp.http.Cache-Control !~ "stale-while-revalidate" || beresp.grace > 6h) {
        set beresp.grace = 6h;
    }
    # for PURGE: the package of /<badge>/<package>/badge.<ext>, normalised as PyPI does
    set beresp.http.X-Badge-Package =
        std.tolower(regsuball(regsub(bereq.url, "^/[^/]+/([^/?]+)/.*$", "\1"), "[-_.]+", "-"));
    return (deliver);
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
