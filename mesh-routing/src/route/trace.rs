//! Notes for `Decision::explain`, recorded only when asked for.

/// A switchable log of routing steps; off on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Trace(Option<Vec<String>>);

impl Trace {
    /// Records nothing.
    #[inline]
    pub(crate) fn off() -> Self {
        Self(None)
    }

    /// Records every note.
    pub(crate) fn on() -> Self {
        Self(Some(Vec::new()))
    }

    /// Whether notes are recorded.
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Adds a note, formatting it only when recording.
    pub(crate) fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(lines) = &mut self.0 {
            lines.push(line());
        }
    }

    /// The notes recorded.
    pub(crate) fn into_lines(self) -> Vec<String> {
        self.0.unwrap_or_default()
    }
}
