//! Tag sets: the key of every metric series.

use std::fmt;
use std::sync::Arc;

/// Tags as a guest or a config gives them: key/value pairs.
pub type Tags = Vec<(String, String)>;

/// An immutable, canonical set of tags (sorted by key, keys unique), cheap
/// to clone and to use as a map key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TagSet(Arc<[(Arc<str>, Arc<str>)]>);

impl TagSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Build a set from pairs; for a repeated key the last value wins.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<Arc<str>>,
        V: Into<Arc<str>>,
    {
        let mut v: Vec<(Arc<str>, Arc<str>)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // Stable sort keeps insertion order among equal keys, so the last
        // duplicate is the one to keep.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Arc<str>, Arc<str>)> = Vec::with_capacity(v.len());
        for pair in v {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        Self(out.into())
    }

    /// This set with `other`'s tags added (other wins on equal keys).
    pub fn merged(&self, other: &TagSet) -> TagSet {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        TagSet::from_pairs(
            self.iter()
                .chain(other.iter())
                .map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    /// This set with one tag set to `value`.
    pub fn with(&self, key: &str, value: &str) -> TagSet {
        TagSet::from_pairs(
            self.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain(std::iter::once((key.to_string(), value.to_string()))),
        )
    }

    /// The value of tag `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// Whether every `(key, value)` of `selector` is in this set (k6's
    /// sub-metric matching).
    pub fn matches(&self, selector: &[(String, String)]) -> bool {
        selector
            .iter()
            .all(|(k, v)| self.get(k) == Some(v.as_str()))
    }

    /// The tags, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for TagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for TagSet {
    /// `{key:value,key:value}`, as k6 writes sub-metric names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}:{v}")?;
        }
        f.write_str("}")
    }
}

/// The tags of an HTTP request sample, as k6 writes them: the context and
/// request tags plus `method`, `url`, `name`, `status`, `proto` (with a
/// response), `expected_response` (with a response callback), `error_code`
/// (on failure, and for 4xx/5xx) and `error` (without a response).
pub(crate) fn request_tags(base: &TagSet, extra: &TagSet, r: &super::RequestIdent) -> TagSet {
    let mut pairs: Vec<(String, String)> = base
        .iter()
        .chain(extra.iter())
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    pairs.push(("method".into(), r.method.to_string()));
    pairs.push(("url".into(), r.url.to_string()));
    pairs.push(("name".into(), r.name.to_string()));
    pairs.push(("status".into(), r.status.to_string()));
    if let Some(expected) = r.expected {
        pairs.push(("expected_response".into(), expected.to_string()));
    }
    if !r.proto.is_empty() {
        pairs.push(("proto".into(), r.proto.into()));
    }
    if r.error_code != 0 {
        pairs.push(("error_code".into(), r.error_code.to_string()));
    }
    if let Some(e) = &r.error {
        pairs.push(("error".into(), e.to_string()));
    }
    TagSet::from_pairs(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_last_duplicate_wins_and_matching() {
        let t = TagSet::from_pairs([("status", "200"), ("method", "GET"), ("status", "201")]);
        assert_eq!(t.to_string(), "{method:GET,status:201}");
        assert!(t.matches(&[("status".into(), "201".into())]));
        assert!(!t.matches(&[("status".into(), "200".into())]));
        assert!(t.matches(&[]));
        let u = TagSet::from_pairs([("method", "GET"), ("status", "201")]);
        assert_eq!(t, u);
        assert_eq!(t.with("name", "x").get("name"), Some("x"));
    }
}
