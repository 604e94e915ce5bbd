//! `exportTo` lists (routing.md V1).

/// Who may see an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExportTo {
    /// `*` or an empty list (the mesh default).
    Public,
    /// Only these namespaces (`.` already replaced by the object's own).
    Namespaces(Vec<String>),
}

impl ExportTo {
    /// Reads a list written in an object of `namespace`. `~` exports to nobody.
    pub(crate) fn new<S: AsRef<str>>(list: &[S], namespace: &str) -> Self {
        if list.is_empty() || list.iter().any(|e| e.as_ref() == "*") {
            return Self::Public;
        }
        Self::Namespaces(
            list.iter()
                .filter(|e| e.as_ref() != "~")
                .map(|e| if e.as_ref() == "." { namespace.to_owned() } else { e.as_ref().to_owned() })
                .collect(),
        )
    }

    /// Whether a proxy in `namespace` sees the object.
    #[inline]
    pub(crate) fn visible_to(&self, namespace: &str) -> bool {
        match self {
            Self::Public => true,
            Self::Namespaces(list) => list.iter().any(|n| n == namespace),
        }
    }

    /// Whether the list names `namespace` explicitly (V3 ordering groups).
    #[inline]
    pub(crate) fn lists(&self, namespace: &str) -> bool {
        matches!(self, Self::Namespaces(list) if list.iter().any(|n| n == namespace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_dot_means_own_namespace_and_empty_means_everyone() {
        let e = ExportTo::new(&["."], "shop");
        assert!(e.visible_to("shop"));
        assert!(!e.visible_to("web"));
        assert!(ExportTo::new::<&str>(&[], "shop").visible_to("web"));
        assert!(!ExportTo::new(&["~"], "shop").visible_to("shop"));
    }
}
