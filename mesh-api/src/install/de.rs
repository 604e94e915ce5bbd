//! Serde helpers that read values the way Istio's decoders do.
//!
//! * Numbers in the `values` tree and in `meshConfig` go through protobuf's JSON reader, which
//!   takes `8` and `"8"` alike; [`num`] does the same.
//! * Kubernetes settings under `components.*.k8s` are decoded by Go with unknown fields refused,
//!   while the `k8s-openapi` types skip them; [`k8s`] decodes through those types and then
//!   reports any key that did not survive, so a misspelt setting is an error here too.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A number, or a string holding one, as protobuf's JSON reader accepts for numeric fields.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(serde_json::Number),
    Text(String),
}

/// Reads an optional number written as a number or as a numeric string.
pub(crate) fn num<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let Some(raw) = Option::<NumberOrText>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let text = match raw {
        NumberOrText::Number(n) => n.to_string(),
        NumberOrText::Text(s) => s,
    };
    text.trim().parse::<T>().map(Some).map_err(|e| D::Error::custom(format!("invalid number {text:?}: {e}")))
}

/// Reads an optional Kubernetes object, refusing keys its type does not know.
pub(crate) fn k8s<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Serialize,
{
    match Option::<Value>::deserialize(deserializer)? {
        None => Ok(None),
        Some(value) => strict(value).map(Some).map_err(D::Error::custom),
    }
}

/// Reads a list of Kubernetes objects, refusing keys their type does not know.
pub(crate) fn k8s_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Serialize,
{
    let items = Vec::<Value>::deserialize(deserializer)?;
    items.into_iter().enumerate().map(|(i, v)| strict(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}")))).collect()
}

/// Why `value` does not fit Kubernetes type `T` (an unknown key or a wrong type), if it does
/// not. A missing required field is not reported: Istio's Go decoder leaves it empty.
pub(crate) fn kubernetes_mismatch<T: DeserializeOwned + Serialize>(value: &Value) -> Option<String> {
    match strict::<T>(value.clone()) {
        Ok(_) => None,
        Err(e) if e.starts_with("missing field") => None,
        Err(e) => Some(e),
    }
}

fn strict<T: DeserializeOwned + Serialize>(value: Value) -> Result<T, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match dropped_key(&value, &back) {
        Some(path) => Err(format!("unknown field `{path}`")),
        None => Ok(typed),
    }
}

/// The first key (as a dotted path) set in `input` that `output` lost, if any.
fn dropped_key(input: &Value, output: &Value) -> Option<String> {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| match b.get(k) {
            None if !v.is_null() => Some(k.clone()),
            None => None,
            Some(w) => dropped_key(v, w).map(|rest| format!("{k}.{rest}")),
        }),
        (Value::Object(a), _) => a.iter().find(|(_, v)| !v.is_null()).map(|(k, _)| k.clone()),
        (Value::Array(a), Value::Array(b)) => {
            a.iter().zip(b).enumerate().find_map(|(i, (v, w))| dropped_key(v, w).map(|rest| format!("[{i}].{rest}")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "num")]
        n: Option<u32>,
    }

    #[test]
    fn numbers_may_be_written_as_text() {
        let h: Holder = serde_json::from_str(r#"{"n": "8"}"#).unwrap();
        assert_eq!(h.n, Some(8));
        let h: Holder = serde_json::from_str(r#"{"n": 9}"#).unwrap();
        assert_eq!(h.n, Some(9));
        assert!(serde_json::from_str::<Holder>(r#"{"n": "x"}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"n": -1}"#).is_err());
    }

    #[test]
    fn kubernetes_objects_refuse_unknown_keys() {
        let v = serde_json::json!({"nodeAffinity": {"bogus": 1}});
        let err = strict::<k8s_openapi::api::core::v1::Affinity>(v).unwrap_err();
        assert_eq!(err, "unknown field `nodeAffinity.bogus`");
    }
}
