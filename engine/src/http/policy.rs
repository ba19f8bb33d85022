//! `--allow-host`: the hosts a run may reach. Anything else is denied
//! before a connection is attempted.

use super::HostPolicy;

/// One allowed pattern: a host name (`api.example.com`), a wildcard
/// (`*.example.com`, matching sub-domains only) or an IP, with an optional
/// port (`127.0.0.1:8080`; without one, any port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    host: String,
    port: Option<u16>,
}

/// The allow list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<Pattern>,
}

impl AllowList {
    /// Parse `HOST[:PORT]` patterns; an error names the bad one.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<AllowList, String> {
        let mut patterns = Vec::new();
        for item in items {
            let raw = item.as_ref().trim();
            let (host, port) = split_host_port(raw).ok_or_else(|| {
                format!("--allow-host {raw:?}: expected HOST, HOST:PORT, *.DOMAIN or [IPv6]:PORT")
            })?;
            let wildcard_ok =
                !host.contains('*') || (host.starts_with("*.") && !host[2..].contains('*'));
            if host.is_empty() || !wildcard_ok {
                return Err(format!(
                    "--allow-host {raw:?}: a wildcard may only be a leading '*.' (e.g. *.example.com)"
                ));
            }
            patterns.push(Pattern {
                host: host.to_ascii_lowercase(),
                port,
            });
        }
        Ok(AllowList { patterns })
    }

    fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        self.patterns.iter().any(|p| {
            let host_ok = match p.host.strip_prefix("*.") {
                Some(domain) => {
                    host.len() > domain.len() + 1
                        && host.ends_with(domain)
                        && host[..host.len() - domain.len()].ends_with('.')
                }
                None => p.host == host,
            };
            host_ok && p.port.is_none_or(|want| want == port)
        })
    }
}

fn split_host_port(raw: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = raw.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((ip, Some(p.parse().ok()?))),
            None if after.is_empty() => Some((ip, None)),
            None => None,
        };
    }
    match raw.rsplit_once(':') {
        // More than one ':' without brackets: a bare IPv6 address.
        Some((h, _)) if h.contains(':') => Some((raw, None)),
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((raw, None)),
    }
}

impl HostPolicy for AllowList {
    fn check(&self, host: &str, port: u16) -> Result<(), String> {
        if self.allows(host, port) {
            Ok(())
        } else {
            Err(format!("{host}:{port} is not in the --allow-host list"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_wildcards_ports_and_ipv6() {
        let a = AllowList::parse(&[
            "api.example.com",
            "*.shop.test",
            "127.0.0.1:8080",
            "[::1]:9000",
        ])
        .expect("valid");
        assert!(a.check("api.example.com", 443).is_ok());
        assert!(a.check("API.example.com", 80).is_ok());
        assert!(a.check("x.api.example.com", 80).is_err());
        assert!(a.check("eu.shop.test", 80).is_ok());
        assert!(
            a.check("shop.test", 80).is_err(),
            "wildcards match sub-domains only"
        );
        assert!(a.check("evilshop.test", 80).is_err());
        assert!(a.check("127.0.0.1", 8080).is_ok());
        assert!(a.check("127.0.0.1", 8081).is_err());
        assert!(a.check("::1", 9000).is_ok());
        assert!(AllowList::parse(&["a.*.com"]).is_err());
        assert!(AllowList::parse(&["host:notaport"]).is_err());
    }
}
