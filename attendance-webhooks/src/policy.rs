//! Where deliveries may go: the address policy, and the DNS resolver that
//! enforces it on the addresses the client really connects to.
//!
//! An endpoint's URL is an admin's input, and the worker sits inside the
//! host's network: without a check, a URL could make it POST to the
//! database's admin port, a cloud metadata service (169.254.169.254) or
//! anything else on the inside. Checking the URL's host name is not
//! enough, since a name can resolve to an inside address now and to
//! another one later (DNS rebinding). So the check is made on the
//! addresses themselves: a resolver that drops the refused ones (the only
//! resolver the worker's client has), a check of IP-literal hosts (which
//! no resolver sees), no proxy (which would resolve for us) and no
//! redirects (which would lead elsewhere).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which kinds of address deliveries may go to, besides public ones.
/// Link-local (169.254.0.0/16, fe80::/10: cloud metadata services live
/// there), unspecified, multicast, broadcast, documentation and reserved
/// addresses are refused whatever it says. An IPv4 address inside IPv6
/// (IPv4-mapped, NAT64, 6to4) counts as the IPv4 address it carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allow_loopback: bool,
    allow_private: bool,
}

impl AddressPolicy {
    /// Public addresses only (the default).
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Also allows loopback (127.0.0.0/8, ::1): a receiver on the same
    /// machine, as in tests and local development.
    pub fn allow_loopback(mut self, allow: bool) -> Self {
        self.allow_loopback = allow;
        self
    }

    /// Also allows private networks: RFC 1918 (10/8, 172.16/12,
    /// 192.168/16), shared address space (100.64/10, carrier-grade NAT),
    /// benchmarking (198.18/15), IETF protocol assignments (192.0.0/24),
    /// unique local (fc00::/7), site-local (fec0::/10) and local-use NAT64
    /// (64:ff9b:1::/48).
    pub fn allow_private(mut self, allow: bool) -> Self {
        self.allow_private = allow;
        self
    }

    /// Whether loopback addresses are allowed.
    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Whether private addresses are allowed.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Whether a delivery may connect to `ip`.
    ///
    /// # Errors
    /// [`RefusedAddress`] saying what kind of address it is.
    pub fn check(&self, ip: IpAddr) -> Result<(), RefusedAddress> {
        let kind = AddressKind::of(ip);
        let allowed = match kind {
            AddressKind::Public => true,
            AddressKind::Loopback => self.allow_loopback,
            AddressKind::Private => self.allow_private,
            AddressKind::LinkLocal | AddressKind::NotUnicast | AddressKind::Reserved => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(RefusedAddress { ip, kind })
        }
    }
}

/// What kind of address an IP address is, as [`AddressPolicy`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressKind {
    /// Reachable on the internet.
    Public,
    /// This machine.
    Loopback,
    /// A private network.
    Private,
    /// Link-local: never.
    LinkLocal,
    /// Unspecified, multicast or broadcast: never.
    NotUnicast,
    /// Documentation, discard, Teredo or otherwise reserved: never.
    Reserved,
}

impl AddressKind {
    /// Classifies `ip`.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::of_v4(v4),
            IpAddr::V6(v6) => Self::of_v6(v6),
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Self {
        let [a, b, c, _] = ip.octets();
        match (a, b, c) {
            (0, ..) | (224..=255, ..) => Self::NotUnicast,
            (127, ..) => Self::Loopback,
            (169, 254, _) => Self::LinkLocal,
            (10, ..) | (192, 168, _) | (192, 0, 0) => Self::Private,
            (172, 16..=31, _) | (100, 64..=127, _) | (198, 18..=19, _) => Self::Private,
            (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (192, 88, 99) => Self::Reserved,
            _ => Self::Public,
        }
    }

    fn of_v6(ip: Ipv6Addr) -> Self {
        if let Some(v4) = ip.to_ipv4_mapped() {
            return Self::of_v4(v4);
        }
        let s = ip.segments();
        let embedded = |hi: u16, lo: u16| {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            Self::of_v4(Ipv4Addr::new(a, b, c, d))
        };
        match s {
            [0, 0, 0, 0, 0, 0, 0, 0] => Self::NotUnicast,
            [0, 0, 0, 0, 0, 0, 0, 1] => Self::Loopback,
            // NAT64 well-known prefix: the IPv4 address in the last 32 bits.
            [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => embedded(hi, lo),
            [0x64, 0xff9b, 1, ..] => Self::Private,
            // 6to4: the IPv4 address right after the prefix.
            [0x2002, hi, lo, ..] => embedded(hi, lo),
            _ if s[0] & 0xffc0 == 0xfe80 => Self::LinkLocal,
            _ if s[0] & 0xffc0 == 0xfec0 => Self::Private,
            _ if s[0] & 0xfe00 == 0xfc00 => Self::Private,
            _ if s[0] & 0xff00 == 0xff00 => Self::NotUnicast,
            // The rest of ::/8 (IPv4-compatible and other reserved forms),
            // discard (100::/64), Teredo (2001::/32), documentation
            // (2001:db8::/32).
            _ if s[0] & 0xff00 == 0 => Self::Reserved,
            [0x0100, 0, 0, 0, ..] | [0x2001, 0, ..] | [0x2001, 0xdb8, ..] => Self::Reserved,
            _ => Self::Public,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Public => "a public address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private-network address",
            Self::LinkLocal => "a link-local address",
            Self::NotUnicast => "not a unicast address",
            Self::Reserved => "a reserved address",
        }
    }
}

/// A delivery's target address was refused by the [`AddressPolicy`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RefusedAddress {
    ip: IpAddr,
    kind: AddressKind,
}

impl RefusedAddress {
    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// What kind of address it is.
    pub fn kind(&self) -> AddressKind {
        self.kind
    }
}

impl fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refused address {}: {}, which the worker may not deliver to",
            self.ip,
            self.kind.describe()
        )
    }
}

/// The worker client's DNS resolver: the system's answers, less the
/// addresses the policy refuses. A name with no address left fails with
/// the first [`RefusedAddress`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub(crate) policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| match policy.check(addr.ip()) {
                    Ok(()) => true,
                    Err(err) => {
                        refused.get_or_insert(err);
                        false
                    }
                })
                .collect();
            match refused {
                Some(err) if allowed.is_empty() => Err(err.into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(ip: &str) -> AddressKind {
        AddressKind::of(ip.parse().unwrap())
    }

    #[test]
    fn addresses_are_classified() {
        use AddressKind::*;
        for (ip, expected) in [
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("2606:4700:4700::1111", Public),
            ("127.0.0.1", Loopback),
            ("127.1.2.3", Loopback),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", Private),
            ("198.18.0.1", Private),
            ("fd00::1", Private),
            ("fc00::1", Private),
            ("fec0::1", Private),
            ("::ffff:10.1.2.3", Private),
            ("64:ff9b::a01:203", Private),
            ("2002:a00:1::1", Private),
            ("169.254.169.254", LinkLocal),
            ("fe80::1", LinkLocal),
            ("::ffff:169.254.169.254", LinkLocal),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("0.0.0.0", NotUnicast),
            ("0.1.2.3", NotUnicast),
            ("::", NotUnicast),
            ("224.0.0.1", NotUnicast),
            ("255.255.255.255", NotUnicast),
            ("ff02::1", NotUnicast),
            ("192.0.2.1", Reserved),
            ("2001:db8::1", Reserved),
            ("::7f00:1", Reserved),
            ("2001::1", Reserved),
            ("172.32.0.1", Public),
            ("100.128.0.1", Public),
            ("64:ff9b::808:808", Public),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn the_policy_allows_what_it_says_and_never_link_local() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let strict = AddressPolicy::default();
        assert!(strict.check(ip("8.8.8.8")).is_ok());
        for refused in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::"] {
            assert!(strict.check(ip(refused)).is_err(), "{refused}");
        }
        let loopback = AddressPolicy::default().allow_loopback(true);
        assert!(loopback.check(ip("::1")).is_ok());
        assert!(loopback.check(ip("192.168.0.1")).is_err());
        let open = loopback.allow_private(true);
        assert!(open.check(ip("192.168.0.1")).is_ok());
        for never in ["169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1"] {
            let err = open.check(ip(never)).unwrap_err();
            assert_eq!(err.ip(), ip(never));
        }
        let err = strict.check(ip("127.0.0.1")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "refused address 127.0.0.1: a loopback address, which the worker may not deliver to"
        );
    }
}
