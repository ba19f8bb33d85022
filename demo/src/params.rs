//! Small parsers for request inputs: query strings and `cookie` headers.
//!
//! Hand-written because the demo target may only use the engine's own
//! dependencies, and these need a few dozen lines, not a crate.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::HeaderMap;
use http::header::COOKIE;

/// The decoded `name=value` pairs of a query string, in order. A pair
/// without `=` has an empty value; empty pairs (`a=1&&b=2`) are skipped.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
}

/// The decoded value of the first query parameter called `name`.
pub(crate) fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<Cow<'a, str>> {
    query_pairs(query?).find_map(|(n, v)| (n == name).then_some(v))
}

/// Percent-decodes a query component (`+` means space). Malformed escapes
/// are kept literally and invalid UTF-8 is replaced, as browsers do, so a
/// sloppy client gets a best-effort answer instead of an error.
pub(crate) fn decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3).and_then(hex_pair) {
                Some(decoded) => {
                    out.push(decoded);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_pair(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    match pair {
        [hi, lo] => Some((digit(*hi)? * 16 + digit(*lo)?) as u8),
        _ => None,
    }
}

/// The cookies a request carries, from all its `cookie` headers. Later
/// duplicates win; headers that are not visible ASCII are ignored.
pub(crate) fn request_cookies(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut cookies = BTreeMap::new();
    for header in headers.get_all(COOKIE) {
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=')
                && !name.is_empty()
            {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    cookies
}

/// Whether `name=value` may be sent in a `set-cookie` header without
/// breaking it or injecting attributes (RFC 6265 token and cookie-octets).
pub(crate) fn is_valid_cookie(name: &str, value: &str) -> bool {
    const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={}";
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !SEPARATORS.contains(&b));
    let value_ok = value
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
    name_ok && value_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn query_pairs_are_split_and_decoded() {
        let pairs: Vec<(String, String)> = query_pairs("a=1&&b=hello+world&c&d=%41%zz")
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        let expected = [("a", "1"), ("b", "hello world"), ("c", ""), ("d", "A%zz")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn query_param_finds_the_first_match() {
        assert_eq!(
            query_param(Some("x=1&ms=20&ms=30"), "ms").as_deref(),
            Some("20")
        );
        assert_eq!(query_param(Some("x=1"), "ms"), None);
        assert_eq!(query_param(None, "ms"), None);
    }

    #[test]
    fn decode_handles_truncated_escapes_and_utf8() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%C3%A9"), "é");
        assert!(matches!(decode("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(COOKIE, HeaderValue::from_static("c=x=y;junk; b=3"));
        let cookies = request_cookies(&headers);
        let expected: BTreeMap<String, String> = [("a", "1"), ("b", "3"), ("c", "x=y")]
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(cookies, expected);
    }

    #[test]
    fn cookie_validation_rejects_injection() {
        assert!(is_valid_cookie("session", "abc123"));
        assert!(is_valid_cookie("empty", ""));
        assert!(!is_valid_cookie("", "x"));
        assert!(!is_valid_cookie("a b", "x"));
        assert!(!is_valid_cookie("a", "x; HttpOnly"));
        assert!(!is_valid_cookie("a=b", "x"));
    }
}
