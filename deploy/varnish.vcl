vcl 4.1;
# Varnish 7 in front of gunicorn: keeps what the app marks public, and forgets exactly what a
# write changed when the app purges its keys (FRONT_CACHES=varnish; README "Front caches").
#
# Needs the xkey vmod (Debian: apt-get install varnish varnish-modules; scripts/ensure-varnish).
# Values to adapt are marked "EDIT". tests/test_varnish.py starts this very file on loopback
# (substituting them) in front of the app and checks a MISS then a HIT, purges by key, and that a
# session never shares a page.
#
# What may be cached is decided by the app (core/middleware.py): public pages say
# `Cache-Control: public, max-age=0, s-maxage=N, stale-while-revalidate=M` and name what they
# are built from in `Surrogate-Key` (posts, listings, comment-rules, post-page-<slug>,
# post-comments-<id>). After a write commits, the app sends `PURGE /` with an `xkey` header
# listing the keys it changed; every object carrying one of them is dropped at once.

import xkey;

backend default {
    .host = "127.0.0.1";  # EDIT: gunicorn (make serve)
    .port = "8000";
}

# EDIT: the app servers allowed to purge (their address as Varnish sees it).
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "PURGE needs an xkey header"));
        }
        # A hard purge: a post taken down must not be served again, even stale.
        set req.http.purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.purged + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin and anyone with a session or flash messages (logged in, or a commenter whose own
    # pending comment shows) get pages of their own: straight to the app, cookies and all.
    if (
        req.url ~ "^/admin/"
        || req.http.Cookie ~ "(^|;\s*)(sessionid|messages)="
        || req.http.Authorization
    ) {
        return (pass);
    }
    # Other cookies (a CSRF cookie, analytics) change nothing on a public page: without them
    # every reader shares one copy (the app's `Vary: Cookie` then never splits it).
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Only what the app says anyone may share: not a private page, an error page without
    # caching headers, or an answer that sets a cookie (Varnish's built-in rules add that).
    if (beresp.http.Cache-Control !~ "(?i)(^|[,\s])public([,\s]|$)" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;  # remembered as "fetch this one each time" for two minutes
        return (deliver);
    }
    # Varnish takes the TTL from s-maxage and the grace from stale-while-revalidate itself;
    # the keys it indexes the object under come from the app's Surrogate-Key.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
}

sub vcl_deliver {
    # Surrogate-Key and Cache-Tag stay for a CDN in front (Fastly and Cloudflare drop them
    # before browsers see them); xkey is this Varnish's own copy.
    unset resp.http.xkey;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
