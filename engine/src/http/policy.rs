//! Where a run may send requests: `--allow-host` (only these hosts),
//! `--block-hostnames` and `--blacklist-ip` (k6's `blockHostnames` and
//! `blacklistIPs`), and `--block-private` (no private, loopback, link-local
//! or other non-public addresses). A denied request makes no connection.

use std::net::IpAddr;

use super::HostPolicy;

/// One host pattern: a host name (`api.example.com`), a wildcard
/// (`*.example.com`, matching sub-domains only) or an IP, with an optional
/// port (`127.0.0.1:8080`; without one, any port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    host: String,
    port: Option<u16>,
}

/// A list of host patterns: `--allow-host` or `blockHostnames`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPatterns {
    patterns: Vec<Pattern>,
}

impl HostPatterns {
    /// Parse `HOST[:PORT]` patterns; an error names `option` and the bad one.
    fn parse<S: AsRef<str>>(items: &[S], option: &str) -> Result<HostPatterns, String> {
        let mut patterns = Vec::new();
        for item in items {
            let raw = item.as_ref().trim();
            let (host, port) = split_host_port(raw).ok_or_else(|| {
                format!("{option} {raw:?}: expected HOST, HOST:PORT, *.DOMAIN or [IPv6]:PORT")
            })?;
            let wildcard_ok =
                !host.contains('*') || (host.starts_with("*.") && !host[2..].contains('*'));
            if host.is_empty() || !wildcard_ok {
                return Err(format!(
                    "{option} {raw:?}: a wildcard may only be a leading '*.' (e.g. *.example.com)"
                ));
            }
            patterns.push(Pattern {
                host: without_root_dot(host).to_ascii_lowercase(),
                port,
            });
        }
        Ok(HostPatterns { patterns })
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        let host = without_root_dot(host).to_ascii_lowercase();
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

/// An IP network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address
/// is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    net: IpAddr,
    prefix: u8,
}

impl IpBlock {
    /// Parse `ADDR[/PREFIX]`; the error names the bad value.
    pub fn parse(raw: &str) -> Result<IpBlock, String> {
        let raw = raw.trim();
        let bad = || format!("{raw:?}: expected an IP network like 10.0.0.0/8 or fd00::/8");
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (raw, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(IpBlock { net, prefix })
    }

    /// Whether `ip` is in this network (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The addresses a connection to `ip` reaches, for the block lists: the
/// address itself and, for the unspecified addresses (`0.0.0.0`, `::`,
/// which connect to this machine) and the loopback ones, this machine's
/// loopback in both families: `0.0.0.0` and `::` are other spellings of
/// `127.0.0.1` and `::1`, and those two are the same host.
fn connects_to(ip: IpAddr) -> impl Iterator<Item = IpAddr> {
    const V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const V6: IpAddr = IpAddr::V6(std::net::Ipv6Addr::LOCALHOST);
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let local = ip.is_unspecified() || ip == V4 || ip == V6;
    std::iter::once(ip).chain([V4, V6].into_iter().filter(move |l| local && *l != ip))
}

/// A host name without the trailing dot of a fully qualified name
/// (`localhost.` is `localhost`).
fn without_root_dot(host: &str) -> &str {
    match host.strip_suffix('.') {
        Some(h) if !h.is_empty() => h,
        _ => host,
    }
}

/// What `--block-private` blocks: every range that is not the public
/// internet (RFC 6890's special-purpose registries, in short).
const PRIVATE_NETWORKS: &[&str] = &[
    "0.0.0.0/8",      // "this" network
    "10.0.0.0/8",     // private (RFC 1918)
    "100.64.0.0/10",  // carrier-grade NAT
    "127.0.0.0/8",    // loopback
    "169.254.0.0/16", // link-local, cloud metadata services
    "172.16.0.0/12",  // private (RFC 1918)
    "192.0.0.0/24",   // IETF protocol assignments
    "192.168.0.0/16", // private (RFC 1918)
    "198.18.0.0/15",  // benchmarking
    "224.0.0.0/4",    // multicast
    "240.0.0.0/4",    // reserved, broadcast
    "::/128",         // unspecified
    "::1/128",        // loopback
    "fc00::/7",       // unique local
    "fe80::/10",      // link-local
    "ff00::/8",       // multicast
];

/// The network policy of a run.
#[derive(Debug, Clone, Default)]
pub struct NetPolicy {
    allow: Option<HostPatterns>,
    blocked_hosts: Option<HostPatterns>,
    blocked_ips: Vec<IpBlock>,
}

impl NetPolicy {
    /// Build from `--allow-host`, `--block-hostnames`, `--blacklist-ip`
    /// (parsed with the options) and `--block-private`; an error names the
    /// bad pattern and its option.
    pub fn new<S: AsRef<str>>(
        allow_hosts: &[S],
        block_hostnames: &[S],
        blacklist_ips: &[IpBlock],
        block_private: bool,
    ) -> Result<NetPolicy, String> {
        let patterns = |items: &[S], option| match items {
            [] => Ok(None),
            _ => HostPatterns::parse(items, option).map(Some),
        };
        let allow = patterns(allow_hosts, "--allow-host")?;
        let blocked_hosts = patterns(block_hostnames, "blockHostnames (--block-hostnames)")?;
        let mut blocked_ips = blacklist_ips.to_vec();
        if block_private {
            blocked_ips.extend(
                PRIVATE_NETWORKS
                    .iter()
                    .filter_map(|n| IpBlock::parse(n).ok()),
            );
        }
        Ok(NetPolicy {
            allow,
            blocked_hosts,
            blocked_ips,
        })
    }

    /// Whether this policy restricts anything.
    pub fn is_open(&self) -> bool {
        self.allow.is_none() && self.blocked_hosts.is_none() && self.blocked_ips.is_empty()
    }
}

impl HostPolicy for NetPolicy {
    fn check(&self, host: &str, port: u16) -> Result<(), String> {
        if let Some(allow) = &self.allow
            && !allow.matches(host, port)
        {
            return Err(format!("{host}:{port} is not in the --allow-host list"));
        }
        if let Some(blocked) = &self.blocked_hosts
            && blocked.matches(host, port)
        {
            return Err(format!("{host} is blocked by blockHostnames"));
        }
        Ok(())
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        for reached in connects_to(ip) {
            if let Some(b) = self.blocked_ips.iter().find(|b| b.contains(reached)) {
                let via = if reached == ip {
                    String::new()
                } else {
                    format!(" (it connects to this machine's loopback, {reached})")
                };
                return Err(format!(
                    "{ip}{via} is in the blocked network {}/{} (blacklistIPs or --block-private)",
                    b.net, b.prefix
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_blocks_and_private_networks() {
        let b = IpBlock::parse("10.0.0.0/8").expect("valid");
        assert!(b.contains("10.1.2.3".parse().expect("ip")));
        assert!(!b.contains("11.0.0.1".parse().expect("ip")));
        assert!(
            b.contains("::ffff:10.0.0.1".parse().expect("ip")),
            "v4-mapped"
        );
        assert!(
            IpBlock::parse("1.2.3.4")
                .expect("bare")
                .contains("1.2.3.4".parse().expect("ip"))
        );
        assert!(
            IpBlock::parse("0.0.0.0/0")
                .expect("all")
                .contains("8.8.8.8".parse().expect("ip"))
        );
        assert!(IpBlock::parse("10.0.0.0/33").is_err());
        assert!(IpBlock::parse("ten/8").is_err());
        let p = NetPolicy::new::<&str>(&[], &[], &[], true).expect("valid");
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
        ] {
            assert!(
                p.check_ip(private.parse().expect("ip")).is_err(),
                "{private}"
            );
        }
        for public in ["8.8.8.8", "2001:4860:4860::8888", "172.32.0.1"] {
            assert!(p.check_ip(public.parse().expect("ip")).is_ok(), "{public}");
        }
        assert!(
            NetPolicy::new::<&str>(&[], &[], &[], false)
                .expect("valid")
                .is_open()
        );
        let h = NetPolicy::new(&[], &["*.internal.test"], &[], false).expect("valid");
        assert!(h.check("db.internal.test", 80).is_err());
        assert!(h.check("shop.test", 80).is_ok());
    }

    #[test]
    fn unspecified_addresses_are_the_loopback_they_reach() {
        let loopback = [IpBlock::parse("127.0.0.0/8").expect("valid")];
        let p = NetPolicy::new::<&str>(&[], &[], &loopback, false).expect("valid");
        for local in [
            "127.0.0.1",
            "127.9.9.9",
            "0.0.0.0",
            "::",
            "::1",
            "::ffff:0.0.0.0",
        ] {
            let err = p.check_ip(local.parse().expect("ip"));
            assert!(err.is_err(), "{local} reaches loopback");
        }
        let msg = p.check_ip("::".parse().expect("ip")).expect_err("blocked");
        assert!(msg.contains("loopback, 127.0.0.1"), "{msg}");
        for other in ["8.8.8.8", "10.0.0.1", "fe80::1"] {
            assert!(p.check_ip(other.parse().expect("ip")).is_ok(), "{other}");
        }
        let v6 = [IpBlock::parse("::1").expect("valid")];
        let p = NetPolicy::new::<&str>(&[], &[], &v6, false).expect("valid");
        assert!(p.check_ip("0.0.0.0".parse().expect("ip")).is_err());
        assert!(p.check_ip("127.0.0.1".parse().expect("ip")).is_err());
        let other = [IpBlock::parse("127.0.0.2").expect("valid")];
        let p = NetPolicy::new::<&str>(&[], &[], &other, false).expect("valid");
        assert!(p.check_ip("0.0.0.0".parse().expect("ip")).is_ok());
    }

    #[test]
    fn a_trailing_dot_names_the_same_host() {
        let h = NetPolicy::new(&[], &["localhost", "*.internal.test."], &[], false).expect("valid");
        for host in [
            "localhost",
            "localhost.",
            "LOCALHOST.",
            "db.internal.test",
            "db.internal.test.",
        ] {
            assert!(h.check(host, 80).is_err(), "{host}");
        }
        assert!(h.check("example.com.", 80).is_ok());
        let a = NetPolicy::new(&["api.example.com"], &[], &[], false).expect("valid");
        assert!(a.check("api.example.com.", 443).is_ok());
        assert!(a.check("evil.example.com.", 443).is_err());
    }

    #[test]
    fn hosts_wildcards_ports_and_ipv6() {
        let allowed = [
            "api.example.com",
            "*.shop.test",
            "127.0.0.1:8080",
            "[::1]:9000",
        ];
        let a = NetPolicy::new(&allowed, &[], &[], false).expect("valid");
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
        assert!(HostPatterns::parse(&["a.*.com"], "--allow-host").is_err());
        assert!(HostPatterns::parse(&["host:notaport"], "--allow-host").is_err());
    }
}
