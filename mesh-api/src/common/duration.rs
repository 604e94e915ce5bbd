//! Durations as Istio reads them: Go's `time.ParseDuration` syntax (`1.5s`, `100ms`, `1h2m`).

use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time written the way Istio accepts it: a sequence of decimal numbers, each with a
/// unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), such as `1.5s`, `100ms`, `15m` or `1h2m`.
///
/// The text is kept as it was read, so a document writes back exactly as the user wrote it; the
/// parsed length is available as nanoseconds or as a [`std::time::Duration`].
///
/// # Examples
///
/// ```
/// use mesh_api::Duration;
///
/// let d: Duration = "1h2m".parse()?;
/// assert_eq!(d.as_secs_f64(), 3720.0);
/// assert_eq!(d.to_string(), "1h2m");
/// assert_eq!(Duration::from_millis(250).to_string(), "250ms");
/// # Ok::<(), mesh_api::DurationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    text: String,
    nanos: i64,
}

/// Why a duration could not be read. Istio refuses the same inputs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The text is empty or not of the form `<number><unit>...`. Write it like `1.5s` or `100ms`.
    #[error("invalid duration {0:?}: expected a number with a unit such as \"1.5s\", \"100ms\" or \"1h2m\"")]
    Syntax(String),
    /// A number has no unit. Istio requires one (`10s`, not `10`); only `0` may stand alone.
    #[error("invalid duration {0:?}: missing unit (use ns, us, ms, s, m or h)")]
    MissingUnit(String),
    /// The unit is not one of `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`.
    #[error("invalid duration {text:?}: unknown unit {unit:?} (use ns, us, ms, s, m or h)")]
    UnknownUnit {
        /// The whole duration text.
        text: String,
        /// The unit that was not recognised.
        unit: String,
    },
    /// The value does not fit in 64-bit nanoseconds (about 292 years), as in Go.
    #[error("invalid duration {0:?}: out of range")]
    Overflow(String),
}

impl Duration {
    /// A duration of `ms` milliseconds, written as `<ms>ms`.
    pub fn from_millis(ms: u64) -> Self {
        Self::from_nanos_with_text((ms as i64).saturating_mul(1_000_000), format!("{ms}ms"))
    }

    /// A duration of `s` seconds, written as `<s>s`.
    pub fn from_secs(s: u64) -> Self {
        Self::from_nanos_with_text((s as i64).saturating_mul(1_000_000_000), format!("{s}s"))
    }

    fn from_nanos_with_text(nanos: i64, text: String) -> Self {
        Self { text, nanos }
    }

    /// The length in nanoseconds; negative for a negative duration (which validation rejects).
    pub fn as_nanos(&self) -> i64 {
        self.nanos
    }

    /// The length in seconds, as a float.
    pub fn as_secs_f64(&self) -> f64 {
        self.nanos as f64 / 1e9
    }

    /// The length as a standard duration, or `None` when it is negative.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos).ok().map(std::time::Duration::from_nanos)
    }

    /// The text exactly as it was read or built.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<std::time::Duration> for Duration {
    fn from(d: std::time::Duration) -> Self {
        let nanos = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        let text = if d.subsec_nanos() == 0 {
            format!("{}s", d.as_secs())
        } else if d.as_nanos().is_multiple_of(1_000_000) {
            format!("{}ms", d.as_millis())
        } else {
            format!("{}ns", d.as_nanos())
        };
        Self::from_nanos_with_text(nanos, text)
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_go_duration(text).map(|nanos| Self { text: text.to_owned(), nanos })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

/// Go's `time.ParseDuration`, which is what Istio applies to duration fields.
fn parse_go_duration(text: &str) -> Result<i64, DurationError> {
    let syntax = || DurationError::Syntax(text.to_owned());
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(syntax());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(syntax());
        }
        let unit_len =
            after.char_indices().find(|(_, c)| *c == '.' || c.is_ascii_digit()).map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        let scale: u128 = match unit {
            "" => return Err(DurationError::MissingUnit(text.to_owned())),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(DurationError::UnknownUnit { text: text.to_owned(), unit: other.to_owned() });
            }
        };
        let overflow = || DurationError::Overflow(text.to_owned());
        let whole: u128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| overflow())? };
        let mut value = whole.checked_mul(scale).ok_or_else(overflow)?;
        // Go keeps only as many fraction digits as still change the result; so do we.
        let mut place = scale;
        for digit in frac_part.bytes() {
            place /= 10;
            if place == 0 {
                break;
            }
            value += u128::from(digit - b'0') * place;
        }
        total = total.checked_add(value).ok_or_else(overflow)?;
        if total > i64::MAX as u128 + u128::from(negative) {
            return Err(overflow());
        }
        rest = after;
    }
    if negative { Ok((total as i128).wrapping_neg() as i64) } else { Ok(total as i64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(s: &str) -> i64 {
        s.parse::<Duration>().unwrap().as_nanos()
    }

    #[test]
    fn accepts_every_go_form() {
        assert_eq!(nanos("1.5s"), 1_500_000_000);
        assert_eq!(nanos("100ms"), 100_000_000);
        assert_eq!(nanos("15m"), 900_000_000_000);
        assert_eq!(nanos("1h2m"), 3_720_000_000_000);
        assert_eq!(nanos("300us"), 300_000);
        assert_eq!(nanos("300µs"), 300_000);
        assert_eq!(nanos("2ns"), 2);
        assert_eq!(nanos("0"), 0);
        assert_eq!(nanos(".5s"), 500_000_000);
        assert_eq!(nanos("1.s"), 1_000_000_000);
        assert_eq!(nanos("-1.5h"), -5_400_000_000_000);
        assert_eq!(nanos("0.001s"), 1_000_000);
    }

    #[test]
    fn refuses_what_go_refuses() {
        assert_eq!("10".parse::<Duration>(), Err(DurationError::MissingUnit("10".into())));
        assert!(matches!("1d".parse::<Duration>(), Err(DurationError::UnknownUnit { .. })));
        assert!(matches!("".parse::<Duration>(), Err(DurationError::Syntax(_))));
        assert!(matches!("s".parse::<Duration>(), Err(DurationError::Syntax(_))));
        assert!(matches!("-".parse::<Duration>(), Err(DurationError::Syntax(_))));
        assert!(matches!("3000000h".parse::<Duration>(), Err(DurationError::Overflow(_))));
    }

    #[test]
    fn keeps_the_text_it_read() {
        let d: Duration = "1h0m0s".parse().unwrap();
        assert_eq!(d.to_string(), "1h0m0s");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1h0m0s\"");
    }

    #[test]
    fn converts_from_std() {
        assert_eq!(Duration::from(std::time::Duration::from_secs(3)).to_string(), "3s");
        assert_eq!(Duration::from(std::time::Duration::from_millis(1500)).to_string(), "1500ms");
        assert_eq!(Duration::from_secs(2).to_std(), Some(std::time::Duration::from_secs(2)));
    }
}
