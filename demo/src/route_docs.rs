//! The public list of routes, with one line each, built from the routing
//! table itself so the CLI and the docs never drift from what is served.

use super::routes::Route;

impl Route {
    /// One line on what the route answers, for [`routes`].
    pub(crate) fn description(self) -> &'static str {
        match self {
            Route::Health => "{\"status\":\"ok\"}",
            Route::Products => "the 20 fixed products",
            Route::Product => "one product; unknown id 404",
            Route::CreateCustomer => "{\"name\",\"email\"}: 201 with its id; no name 400; full 503",
            Route::CustomerOrders => "the customer's newest 100 orders; unknown 404",
            Route::CreateOrder => {
                "{\"customer_id\",\"product_id\",\"quantity\"}: 201 with total_cents"
            }
            Route::Delay => "answers after ms=N milliseconds (at most 60 000)",
            Route::Status => "that status (200 to 599)",
            Route::Bytes => "n bytes of application/octet-stream (at most 10 MiB)",
            Route::Redirect => "302 to /redirect/{n-1}; /redirect/0 is 200",
            Route::CookiesSet => "sets each k=v of the query as a cookie",
            Route::Cookies => "echoes the request's cookies",
            Route::Stream => {
                "server-sent events: tokens=N events, the first after ttft_ms, then one every gap_ms"
            }
            Route::Other => "anything else: 404, or 405 for a known path with the wrong method",
        }
    }
}

/// The target's own endpoints, which are neither counted nor faulted (a
/// test must always be able to read the truth and clear a profile), with
/// their descriptions.
pub(crate) const ADMIN: [(&str, &str); 6] = [
    (
        "GET /__stats",
        "counters, injected faults and the per-second timeline",
    ),
    ("POST /__stats/reset", "zeroes everything /__stats reports"),
    (
        "GET /__stats/streams",
        "the newest /stream requests with their first-event times",
    ),
    ("GET /__faults", "the active fault profile"),
    (
        "PUT /__faults",
        "sets the fault profile (JSON body; TOML with a toml content type)",
    ),
    ("DELETE /__faults", "clears the fault profile"),
];

/// One route of the demo target, as listed by [`routes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteDoc {
    /// The route's key in `/__stats` and in fault profiles, e.g.
    /// `"GET /products/{id}"`; `"other"` for everything unmatched.
    pub key: &'static str,
    /// One line on what the route answers.
    pub description: &'static str,
    /// Whether its requests are counted in `/__stats` and subject to fault
    /// profiles (the `/__` endpoints are not).
    pub counted: bool,
}

/// Every route of the demo target, counted routes first, from the same
/// table that routes requests (a test resolves each key), so listings such
/// as `volley target`'s need no hand-copied list.
pub fn routes() -> Vec<RouteDoc> {
    let counted = Route::ALL.into_iter().map(|route| RouteDoc {
        key: route.key(),
        description: route.description(),
        counted: true,
    });
    let admin = ADMIN.into_iter().map(|(key, description)| RouteDoc {
        key,
        description,
        counted: false,
    });
    counted.chain(admin).collect()
}

#[cfg(test)]
mod tests {
    use super::super::routes::{Endpoint, resolve};
    use super::*;
    use http::Method;

    #[test]
    fn routes_lists_counted_routes_then_the_admin_endpoints() {
        let all = routes();
        assert_eq!(all.len(), Route::COUNT + ADMIN.len());
        let stream = all.iter().find(|r| r.key == "GET /stream").expect("listed");
        assert!(stream.counted && stream.description.contains("events"));
        let faults = all
            .iter()
            .find(|r| r.key == "PUT /__faults")
            .expect("listed");
        assert!(!faults.counted);
    }

    /// The documented keys are the real table: each one, with its
    /// parameters filled in, resolves to an endpoint of that route.
    #[test]
    fn every_documented_key_resolves_to_its_route() {
        for route in Route::ALL {
            assert_eq!(Route::from_key(route.key()), Some(route));
            if route == Route::Other {
                continue;
            }
            let (method, path) = example(route.key());
            assert_eq!(resolve(&method, &path).route(), Some(route), "{path}");
        }
        for (key, _) in ADMIN {
            let (method, path) = example(key);
            let endpoint = resolve(&method, &path);
            assert_eq!(endpoint.route(), None, "{key} is not counted");
            assert!(
                !matches!(endpoint, Endpoint::NotFound | Endpoint::MethodNotAllowed(_)),
                "{key}"
            );
        }
    }

    /// A request for a route key, `{param}`s replaced by `1`.
    fn example(key: &str) -> (Method, String) {
        let (method, pattern) = key.split_once(' ').expect("METHOD /path");
        let path = pattern
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        (Method::from_bytes(method.as_bytes()).expect("method"), path)
    }
}
