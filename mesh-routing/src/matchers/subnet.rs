//! `destinationSubnets`: whether a dialled address falls in a CIDR (routing.md L2, L4).

use std::net::IpAddr;

/// Whether `address` (an IP) lies in `cidr` (`10.0.0.0/8`, or a bare IP). Names never match.
pub(crate) fn contains(cidr: &str, address: &str) -> bool {
    let Ok(ip) = address.parse::<IpAddr>() else { return false };
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let Ok(net) = net.parse::<IpAddr>() else { return false };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_destination_subnets_compare_the_dialled_address() {
        assert!(contains("10.0.0.0/8", "10.1.2.3"));
        assert!(!contains("10.0.0.0/8", "11.1.2.3"));
        assert!(contains("192.168.1.7", "192.168.1.7"));
        assert!(!contains("10.0.0.0/8", "reviews"));
        assert!(contains("::/0", "::1"));
    }
}
