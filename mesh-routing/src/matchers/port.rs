//! The `port` condition of a match: the port the listener serves (routing.md R2, L2).

/// A port condition; absent matches every port.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PortMatcher(pub(crate) Option<u32>);

impl PortMatcher {
    /// Whether traffic on `port` satisfies the condition.
    #[inline]
    pub(crate) fn matches(self, port: u32) -> bool {
        self.0.is_none_or(|p| p == port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_port_condition_compares_the_listener_port() {
        assert!(PortMatcher(None).matches(80));
        assert!(PortMatcher(Some(9080)).matches(9080));
        assert!(!PortMatcher(Some(9080)).matches(80));
    }
}
