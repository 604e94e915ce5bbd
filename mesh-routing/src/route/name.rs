//! Host names assembled during a decision without touching the heap.

/// Room for any DNS name (at most 253 bytes); longer text goes to the heap.
const INLINE: usize = 256;

/// A host name written into a buffer on the stack.
pub(crate) struct NameBuf {
    bytes: [u8; INLINE],
    /// Bytes written; over `INLINE`, the text is in `heap`.
    len: usize,
    heap: String,
}

impl NameBuf {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self { bytes: [0; INLINE], len: 0, heap: String::new() }
    }

    /// `text` with ASCII letters lower-cased.
    pub(crate) fn lowercase(&mut self, text: &str) -> &str {
        self.write(&[text], true)
    }

    /// `parts` joined.
    pub(crate) fn join(&mut self, parts: &[&str]) -> &str {
        self.write(parts, false)
    }

    /// The text written last.
    pub(crate) fn as_str(&self) -> &str {
        if self.len > INLINE {
            return &self.heap;
        }
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn write(&mut self, parts: &[&str], lower: bool) -> &str {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        self.len = total;
        if total > INLINE {
            self.heap.clear();
            parts.iter().for_each(|p| self.heap.push_str(p));
            if lower {
                self.heap.make_ascii_lowercase();
            }
            return &self.heap;
        }
        let mut at = 0;
        for p in parts {
            self.bytes[at..at + p.len()].copy_from_slice(p.as_bytes());
            at += p.len();
        }
        let out = &mut self.bytes[..at];
        if lower {
            out.make_ascii_lowercase();
        }
        // Whole `str`s were copied and only ASCII letters changed, so this is always UTF-8.
        std::str::from_utf8(out).unwrap_or_default()
    }
}

/// `text` lower-cased: borrowed when it has no upper-case letter, else written into `buf`.
#[inline]
pub(crate) fn lowercase<'a>(text: &'a str, buf: &'a mut Option<NameBuf>) -> &'a str {
    // Without an early exit the scan is vectorised: names are short and usually lower-case.
    if !text.bytes().fold(false, |upper, b| upper | b.is_ascii_uppercase()) {
        return text;
    }
    buf.insert(NameBuf::new()).lowercase(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_joined_and_lower_cased_on_the_stack_or_the_heap() {
        let mut buf = NameBuf::new();
        assert_eq!(buf.join(&["cart", ".", "shop", ".svc.", "cluster.local"]), "cart.shop.svc.cluster.local");
        assert_eq!(buf.lowercase("Cart.Shop"), "cart.shop");
        let long = "A".repeat(300);
        assert_eq!(buf.lowercase(&long), "a".repeat(300));
        assert_eq!(buf.join(&[&long, "b"]).len(), 301);
    }

    #[test]
    fn h6_host_lower_casing_borrows_lower_case_names() {
        let mut buf = None;
        assert_eq!(lowercase("reviews", &mut buf), "reviews");
        assert!(buf.is_none());
        assert_eq!(lowercase("Reviews", &mut buf), "reviews");
    }
}
