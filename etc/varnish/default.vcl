# Varnish in front of pypipins, as the original ran it (whose file was Varnish 3: this is VCL 4.1).
#
#   varnishd -F -a 127.0.0.1:6081 -f /srv/pypipins/etc/varnish/default.vcl -s malloc,256m
#
# Badges are cached for an hour with six hours of grace, as the original did, but never longer
# than pypipins' own Cache-Control allows (its version badges say five minutes, stale ones a
# minute). "PURGE /<package>" from this machine drops every badge of a package; never one
# that came through a proxy (nginx connects from this machine too).
vcl 4.1;

import std;

backend pypipins {
    .host = "127.0.0.1";
    .port = "8888";
    .connect_timeout = 2s;
    .first_byte_timeout = 20s;
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
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Badges are the same for everyone: nothing personal reaches the cache or the backend.
    unset req.http.Cookie;
    unset req.http.Authorization;
    return (hash);
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
