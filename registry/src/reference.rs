//! Scenario references: `oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Error, Result};

/// The URL scheme of a scenario published in an OCI registry.
pub const SCHEME: &str = "oci://";

/// The tag used when a reference names neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";

/// Where a scenario lives in an OCI registry, e.g.
/// `oci://ghcr.io/acme/checkout:1.2.0` or
/// `oci://127.0.0.1:5000/demo/hello@sha256:…`.
///
/// The registry is always explicit (there is no default registry). A
/// reference without tag or digest means tag [`DEFAULT_TAG`]. With a digest,
/// the digest decides what is fetched; a tag next to it is only a label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses a reference, with or without the `oci://` scheme.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidReference {
            reference: text.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains spaces or control characters"));
        }
        let rest = match text.split_once("://") {
            Some(("oci", rest)) => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "unsupported scheme `{scheme}://` (only oci:// is understood)"
                )));
            }
            None => text,
        };
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (rest, None),
        };
        let Some((registry, path)) = rest.split_once('/') else {
            return Err(bad("it has no repository after the registry"));
        };
        check_registry(registry).map_err(|r| bad(&r))?;
        // The tag follows the last `:` of the last path segment.
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (&path[..last_slash + i], Some(&path[last_slash + i + 1..])),
            None => (path, None),
        };
        check_repository(repository).map_err(|r| bad(&r))?;
        if let Some(tag) = tag {
            check_tag(tag).map_err(|r| bad(&r))?;
        }
        if let Some(digest) = digest {
            check_digest(digest).map_err(|r| bad(&r))?;
        }
        Ok(Reference {
            registry: registry.to_ascii_lowercase(),
            repository: repository.to_string(),
            tag: match (tag, digest) {
                (Some(t), _) => Some(t.to_string()),
                (None, Some(_)) => None,
                (None, None) => Some(DEFAULT_TAG.to_string()),
            },
            digest: digest.map(str::to_string),
        })
    }

    /// Whether `text` is meant as a registry reference (starts with `oci://`)
    /// rather than a local file.
    pub fn is_oci_url(text: &str) -> bool {
        text.starts_with(SCHEME)
    }

    /// A reference to `tag` in `repository` of `registry`; checks every part.
    pub fn with_tag(registry: &str, repository: &str, tag: &str) -> Result<Self> {
        Reference::parse(&format!("{SCHEME}{registry}/{repository}:{tag}"))
    }

    /// `host[:port]` of the registry, lowercase.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path, e.g. `acme/checkout`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if the reference has one (always, unless it names only a
    /// digest).
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The manifest digest (`sha256:<64 hex>`), if the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// This reference pinned to a manifest digest (the tag is kept as a
    /// label).
    pub fn pinned(&self, digest: &str) -> Reference {
        Reference {
            digest: Some(digest.to_string()),
            ..self.clone()
        }
    }

    /// The same repository with another tag and no digest.
    pub fn retagged(&self, tag: &str) -> Result<Reference> {
        check_tag(tag).map_err(|reason| Error::InvalidReference {
            reference: format!("{SCHEME}{}/{}:{tag}", self.registry, self.repository),
            reason,
        })?;
        Ok(Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        })
    }

    /// The host part of the registry, without port or IPv6 brackets.
    pub fn host(&self) -> &str {
        split_host_port(&self.registry).0
    }

    /// Whether the registry is on this machine (127.0.0.0/8, ::1 or
    /// `localhost`): such registries may be spoken to over plain HTTP.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    pub(crate) fn to_oci(&self) -> oci_client::Reference {
        match (&self.tag, &self.digest) {
            (_, Some(d)) => oci_client::Reference::with_digest(
                self.registry.clone(),
                self.repository.clone(),
                d.clone(),
            ),
            (Some(t), None) => oci_client::Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                t.clone(),
            ),
            (None, None) => oci_client::Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                DEFAULT_TAG.to_string(),
            ),
        }
    }
}

impl FromStr for Reference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Reference::parse(s)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `host[:port]` → (`host`, `port`), IPv6 brackets removed.
pub(crate) fn split_host_port(registry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = registry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => (rest, None),
        };
    }
    match registry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    }
}

fn check_registry(registry: &str) -> std::result::Result<(), String> {
    if registry.is_empty() {
        return Err("the registry is missing".into());
    }
    let (host, port) = split_host_port(registry);
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(format!("`{port}` is not a port number (1 to 65535)")),
        }
    }
    if registry.starts_with('[') {
        return host
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| format!("`{host}` is not an IPv6 address"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err(format!(
            "`{host}` is not a registry host name (letters, digits, `-` and `.`)"
        ));
    }
    Ok(())
}

fn check_repository(repository: &str) -> std::result::Result<(), String> {
    if repository.is_empty() {
        return Err("the repository is missing".into());
    }
    if repository.len() > 255 {
        return Err("the repository is longer than 255 characters".into());
    }
    for component in repository.split('/') {
        if component.is_empty() {
            return Err(
                "the repository has an empty path component (`//` or a trailing `/`)".into(),
            );
        }
        if component.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "repository component `{component}` has capital letters; repository names are lowercase"
            ));
        }
        let bytes = component.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let valid_chars = bytes
            .iter()
            .all(|&b| alnum(b) || b == b'.' || b == b'_' || b == b'-');
        let first = bytes.first().copied().unwrap_or(b'.');
        let last = bytes.last().copied().unwrap_or(b'.');
        // Separators (`.`, `_`, `__`, runs of `-`) only between alphanumerics.
        let separators_ok = !component.contains("..")
            && !component.contains("___")
            && !component.contains("._")
            && !component.contains("_.")
            && !component.contains(".-")
            && !component.contains("-.")
            && !component.contains("_-")
            && !component.contains("-_");
        if !valid_chars || !alnum(first) || !alnum(last) || !separators_ok {
            return Err(format!(
                "repository component `{component}` must be lowercase letters and digits, \
                 separated by single `.`, `_`, `__` or dashes"
            ));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> std::result::Result<(), String> {
    let bytes = tag.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not a valid tag (1 to 128 letters, digits, `_`, `.` or `-`, \
             not starting with `.` or `-`)"
        ))
    }
}

pub(crate) fn check_digest(digest: &str) -> std::result::Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "`{digest}` is not a digest (sha256:<64 hex digits>)"
        ));
    };
    if algorithm != "sha256" {
        return Err(format!(
            "digest algorithm `{algorithm}` is not supported (only sha256)"
        ));
    }
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "`{digest}` is not a sha256 digest (64 lowercase hex digits after `sha256:`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn ok(s: &str) -> Reference {
        match Reference::parse(s) {
            Ok(r) => r,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match Reference::parse(s) {
            Ok(r) => panic!("{s} parsed as {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_the_forms() {
        let r = ok("oci://ghcr.io/acme/checkout:1.2.0");
        assert_eq!(
            (r.registry(), r.repository(), r.tag(), r.digest()),
            ("ghcr.io", "acme/checkout", Some("1.2.0"), None)
        );
        let r = ok("oci://127.0.0.1:5000/demo/hello");
        assert_eq!((r.registry(), r.tag()), ("127.0.0.1:5000", Some("latest")));
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "oci://127.0.0.1:5000/demo/hello:latest");
        let r = ok(&format!("oci://localhost:5000/a/b/c@{D}"));
        assert_eq!((r.tag(), r.digest()), (None, Some(D)));
        assert!(r.is_loopback());
        let r = ok(&format!("registry.example.com/hello:v1@{D}"));
        assert_eq!((r.tag(), r.digest()), (Some("v1"), Some(D)));
        assert!(!r.is_loopback());
        assert_eq!(
            r.to_string(),
            format!("oci://registry.example.com/hello:v1@{D}")
        );
        let r = ok("oci://[::1]:5000/x");
        assert_eq!((r.host(), r.is_loopback()), ("::1", true));
        assert_eq!(
            ok("oci://Docker.IO/library/x__y-z.w").registry(),
            "docker.io"
        );
        assert!(Reference::is_oci_url("oci://a/b"));
        assert!(!Reference::is_oci_url("./a.wasm"));
    }

    #[test]
    fn refuses_bad_references_with_a_reason() {
        assert!(err("").contains("empty"));
        assert!(err("oci://ghcr.io").contains("no repository"));
        assert!(err("https://ghcr.io/a").contains("unsupported scheme"));
        assert!(err("oci://ghcr.io/Acme/x").contains("lowercase"));
        assert!(err("oci://ghcr.io/a//b").contains("empty path component"));
        assert!(err("oci://ghcr.io/a:").contains("not a valid tag"));
        assert!(err("oci://ghcr.io/a:-x").contains("not a valid tag"));
        assert!(err("oci://ghcr.io:99999/a").contains("port"));
        assert!(err("oci://ghcr.io/a@sha512:abc").contains("only sha256"));
        assert!(err("oci://ghcr.io/a@sha256:abc").contains("64 lowercase hex"));
        assert!(err("oci://gh cr.io/a").contains("spaces"));
        assert!(err("oci://gh_cr.io/a").contains("host name"));
        assert!(err("oci://ghcr.io/a-/b").contains("separated"));
        assert!(err("oci:///a").contains("registry"));
    }
}
