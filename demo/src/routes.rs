//! Request routing: turns a method and path into an [`Endpoint`], and names the
//! counted [`Route`] each endpoint belongs to.
//!
//! Matching is a `match` on literal paths plus a few prefix checks: no regex,
//! no allocation, so it stays off the profile at 100k+ requests/s.

use http::Method;

/// A counted route of the demo target: one counter slot in
/// [`Stats`](super::stats::Stats) each, keyed by its pattern in `/__stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Health,
    Products,
    Product,
    CreateCustomer,
    CustomerOrders,
    CreateOrder,
    Delay,
    Status,
    Bytes,
    Redirect,
    CookiesSet,
    Cookies,
    Stream,
    /// Anything unmatched, including a known path with the wrong method.
    Other,
}

impl Route {
    /// Number of routes: the size of the counter array.
    pub(crate) const COUNT: usize = 14;

    /// Every route, in counter-index order.
    pub(crate) const ALL: [Route; Route::COUNT] = [
        Route::Health,
        Route::Products,
        Route::Product,
        Route::CreateCustomer,
        Route::CustomerOrders,
        Route::CreateOrder,
        Route::Delay,
        Route::Status,
        Route::Bytes,
        Route::Redirect,
        Route::CookiesSet,
        Route::Cookies,
        Route::Stream,
        Route::Other,
    ];

    /// The key this route is reported under in `/__stats`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Route::Health => "GET /health",
            Route::Products => "GET /products",
            Route::Product => "GET /products/{id}",
            Route::CreateCustomer => "POST /customers",
            Route::CustomerOrders => "GET /customers/{id}/orders",
            Route::CreateOrder => "POST /orders",
            Route::Delay => "GET /delay",
            Route::Status => "GET /status/{code}",
            Route::Bytes => "GET /bytes/{n}",
            Route::Redirect => "GET /redirect/{n}",
            Route::CookiesSet => "GET /cookies/set",
            Route::Cookies => "GET /cookies",
            Route::Stream => "GET /stream",
            Route::Other => "other",
        }
    }

    /// The route whose `/__stats` key is `key`, if any.
    pub(crate) fn from_key(key: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.key() == key)
    }

    /// Index of this route's counter.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// What a request asks for, with its raw path parameter where it has one.
/// Parameters stay unparsed here: each handler decides what a bad one means
/// (404 for an unknown product, 400 for a bad status code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint<'a> {
    Health,
    Products,
    Product(&'a str),
    CreateCustomer,
    CustomerOrders(&'a str),
    CreateOrder,
    Delay,
    Status(&'a str),
    Bytes(&'a str),
    Redirect(&'a str),
    CookiesSet,
    Cookies,
    Stream,
    Stats,
    StatsReset,
    StatsStreams,
    FaultsGet,
    FaultsSet,
    FaultsClear,
    /// A known path asked for with the wrong method; holds the `allow` value.
    MethodNotAllowed(&'static str),
    NotFound,
}

impl Endpoint<'_> {
    /// The counter this endpoint increments; `None` for the `/__stats`
    /// endpoints, which must not disturb what they measure.
    pub(crate) fn route(self) -> Option<Route> {
        Some(match self {
            Endpoint::Health => Route::Health,
            Endpoint::Products => Route::Products,
            Endpoint::Product(_) => Route::Product,
            Endpoint::CreateCustomer => Route::CreateCustomer,
            Endpoint::CustomerOrders(_) => Route::CustomerOrders,
            Endpoint::CreateOrder => Route::CreateOrder,
            Endpoint::Delay => Route::Delay,
            Endpoint::Status(_) => Route::Status,
            Endpoint::Bytes(_) => Route::Bytes,
            Endpoint::Redirect(_) => Route::Redirect,
            Endpoint::CookiesSet => Route::CookiesSet,
            Endpoint::Cookies => Route::Cookies,
            Endpoint::Stream => Route::Stream,
            Endpoint::Stats
            | Endpoint::StatsReset
            | Endpoint::StatsStreams
            | Endpoint::FaultsGet
            | Endpoint::FaultsSet
            | Endpoint::FaultsClear => return None,
            Endpoint::MethodNotAllowed(_) | Endpoint::NotFound => Route::Other,
        })
    }
}

/// The method(s) each path accepts.
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
    /// `/__faults`: GET, PUT and DELETE, each its own endpoint.
    Faults,
}

/// Resolves a request to its endpoint.
pub(crate) fn resolve<'a>(method: &Method, path: &'a str) -> Endpoint<'a> {
    let Some((verb, endpoint)) = by_path(path) else {
        return Endpoint::NotFound;
    };
    match verb {
        Verb::Get if *method == Method::GET => endpoint,
        Verb::Post if *method == Method::POST => endpoint,
        Verb::Get => Endpoint::MethodNotAllowed("GET"),
        Verb::Post => Endpoint::MethodNotAllowed("POST"),
        Verb::Faults => match *method {
            Method::GET => Endpoint::FaultsGet,
            Method::PUT => Endpoint::FaultsSet,
            Method::DELETE => Endpoint::FaultsClear,
            _ => Endpoint::MethodNotAllowed("GET, PUT, DELETE"),
        },
    }
}

/// Matches the path alone, so a wrong method can be told apart from an
/// unknown path.
fn by_path(path: &str) -> Option<(Verb, Endpoint<'_>)> {
    let fixed = match path {
        "/health" => Some((Verb::Get, Endpoint::Health)),
        "/products" => Some((Verb::Get, Endpoint::Products)),
        "/customers" => Some((Verb::Post, Endpoint::CreateCustomer)),
        "/orders" => Some((Verb::Post, Endpoint::CreateOrder)),
        "/delay" => Some((Verb::Get, Endpoint::Delay)),
        "/cookies" => Some((Verb::Get, Endpoint::Cookies)),
        "/cookies/set" => Some((Verb::Get, Endpoint::CookiesSet)),
        "/stream" => Some((Verb::Get, Endpoint::Stream)),
        "/__stats" => Some((Verb::Get, Endpoint::Stats)),
        "/__stats/reset" => Some((Verb::Post, Endpoint::StatsReset)),
        "/__stats/streams" => Some((Verb::Get, Endpoint::StatsStreams)),
        "/__faults" => Some((Verb::Faults, Endpoint::FaultsGet)),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if let Some(id) = param(path, "/products/") {
        return Some((Verb::Get, Endpoint::Product(id)));
    }
    if let Some(id) = path
        .strip_suffix("/orders")
        .and_then(|p| param(p, "/customers/"))
    {
        return Some((Verb::Get, Endpoint::CustomerOrders(id)));
    }
    if let Some(code) = param(path, "/status/") {
        return Some((Verb::Get, Endpoint::Status(code)));
    }
    if let Some(n) = param(path, "/bytes/") {
        return Some((Verb::Get, Endpoint::Bytes(n)));
    }
    if let Some(n) = param(path, "/redirect/") {
        return Some((Verb::Get, Endpoint::Redirect(n)));
    }
    None
}

/// The single non-empty path segment that follows `prefix`, if `path` is
/// exactly `prefix` plus one segment.
fn param<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_indexes_match_the_counter_order() {
        for (i, route) in Route::ALL.iter().enumerate() {
            assert_eq!(route.index(), i, "{route:?}");
        }
    }

    #[test]
    fn fixed_and_parameterised_paths_resolve() {
        let get = Method::GET;
        assert_eq!(resolve(&get, "/health"), Endpoint::Health);
        assert_eq!(resolve(&get, "/products/7"), Endpoint::Product("7"));
        assert_eq!(
            resolve(&get, "/customers/12/orders"),
            Endpoint::CustomerOrders("12")
        );
        assert_eq!(resolve(&get, "/status/503"), Endpoint::Status("503"));
        assert_eq!(resolve(&get, "/bytes/10"), Endpoint::Bytes("10"));
        assert_eq!(resolve(&get, "/redirect/3"), Endpoint::Redirect("3"));
        assert_eq!(resolve(&Method::POST, "/orders"), Endpoint::CreateOrder);
        assert_eq!(
            resolve(&Method::POST, "/__stats/reset"),
            Endpoint::StatsReset
        );
    }

    #[test]
    fn unknown_paths_and_extra_segments_are_not_found() {
        let get = Method::GET;
        for path in [
            "/",
            "/nope",
            "/products/",
            "/products/1/x",
            "/customers//orders",
        ] {
            assert_eq!(resolve(&get, path), Endpoint::NotFound, "{path}");
        }
    }

    #[test]
    fn faults_takes_three_methods() {
        assert_eq!(resolve(&Method::PUT, "/__faults"), Endpoint::FaultsSet);
        assert_eq!(resolve(&Method::DELETE, "/__faults"), Endpoint::FaultsClear);
        assert_eq!(
            resolve(&Method::POST, "/__faults"),
            Endpoint::MethodNotAllowed("GET, PUT, DELETE")
        );
    }

    #[test]
    fn wrong_method_is_distinguished_and_counted_as_other() {
        let ep = resolve(&Method::POST, "/health");
        assert_eq!(ep, Endpoint::MethodNotAllowed("GET"));
        assert_eq!(ep.route(), Some(Route::Other));
        assert_eq!(resolve(&Method::GET, "/__stats").route(), None);
    }
}
