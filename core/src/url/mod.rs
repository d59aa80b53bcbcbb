//! The run config as a URL hash, so a shared link reproduces a run (TensorFlow Playground's
//! idea): `#dataset=correlated&correlation=0.5&arch=mmoe&weighting=pcgrad&seed=3&hide=seed`.
//!
//! Every field of [`RunConfig`] has a key: `seed` and `baselines`; `dataset`, `arch`,
//! `weighting` and `optimizer` name the registered kind, and the kind's own fields follow
//! under their own names (`correlation`, `experts`, `c`, ...; nested ones dotted:
//! `samples.train`; lists comma-separated); `fm_factors` turns the FM term on; `hide` lists keys
//! a page should not show (tutorials lock controls with it). Decoding never fails: an unknown
//! key or an invalid or out-of-range value becomes a notice naming it, and that field keeps its
//! default.

use crate::registry::{is_kind_key, kind};
use crate::train::RunConfig;
use serde_json::{Map, Value};

/// A decoded hash.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlState {
    /// The config, complete and valid.
    pub config: RunConfig,
    /// Keys the page should hide.
    pub hidden: Vec<String>,
    /// One message per key that could not be used.
    pub notices: Vec<String>,
}

/// The sections whose `kind` is chosen by a key of the same name.
const SECTIONS: [&str; 3] = ["dataset", "arch", "weighting"];

/// Which part of the config a key belongs to (the page groups its controls by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `seed`, `fm_factors`, `baselines`.
    Run,
    /// `dataset` and its kind's fields.
    Dataset,
    /// `arch` and its kind's fields.
    Arch,
    /// `weighting` and its kind's fields.
    Weighting,
    /// `optimizer`, its fields, and the training settings.
    Train,
}

/// One key of the hash with its current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The part of the config it belongs to.
    pub section: Section,
    /// The hash key (`correlation`, `samples.train`, `learning_rate`, ...).
    pub key: String,
    /// The value as the hash writes it (lists comma-separated).
    pub value: String,
}

/// Every key of `config` in hash order: the kind keys (`dataset`, `arch`, `weighting`,
/// `optimizer`) come first in their section, then that kind's fields.
pub fn fields(config: &RunConfig) -> Vec<Field> {
    let value = serde_json::to_value(config).expect("a RunConfig always serialises");
    let mut fields = vec![field(Section::Run, "seed", scalar(&value["seed"]))];
    let mut section_fields = |section: Section, name: &str, object: &Map<String, Value>| {
        fields.push(field(section, name, scalar(&object["kind"])));
        let mut pairs = Vec::new();
        flatten(object, "", &mut pairs);
        fields.extend(pairs.into_iter().map(|(k, v)| field(section, &k, v)));
    };
    for (section, name) in [
        (Section::Dataset, "dataset"),
        (Section::Arch, "arch"),
        (Section::Weighting, "weighting"),
    ] {
        section_fields(section, name, value[name].as_object().expect("an object"));
    }
    let train = value["train"].as_object().expect("train is an object");
    let optimizer = train["optimizer"].as_object().expect("an object");
    section_fields(Section::Train, "optimizer", optimizer);
    let mut train_fields = train.clone();
    train_fields.remove("optimizer");
    let mut pairs = Vec::new();
    flatten(&train_fields, "", &mut pairs);
    fields.extend(pairs.into_iter().map(|(k, v)| field(Section::Train, &k, v)));
    if let Some(fm) = &config.fm {
        fields.push(field(Section::Run, "fm_factors", fm.factors.to_string()));
    }
    fields.push(field(
        Section::Run,
        "baselines",
        scalar(&value["baselines"]),
    ));
    fields
}

fn field(section: Section, key: &str, value: String) -> Field {
    Field {
        section,
        key: key.to_string(),
        value,
    }
}

/// Encodes every field of `config` (and the hidden keys) as a hash without the leading `#`.
pub fn encode(config: &RunConfig, hidden: &[String]) -> String {
    let mut pairs: Vec<(String, String)> = fields(config)
        .into_iter()
        .map(|field| (field.key, field.value))
        .collect();
    if !hidden.is_empty() {
        pairs.push(("hide".to_string(), hidden.join(",")));
    }
    join(&pairs)
}

/// `config` with the hash key `key` set to `value`, decoded as a link with that value would
/// be: a control's edit gets the same parsing, validation and notices as a shared link.
pub fn with_value(config: &RunConfig, key: &str, value: &str) -> UrlState {
    let mut pairs: Vec<(String, String)> = fields(config)
        .into_iter()
        .filter(|field| field.key != key)
        .map(|field| (field.key, field.value))
        .collect();
    pairs.push((key.to_string(), value.to_string()));
    decode(&join(&pairs))
}

/// As [`with_value`], for an edit that keeps the previous config rather than falling back: the
/// edited config, or the decoder's first notice without its fallback clause.
///
/// # Errors
/// An unknown key or a value the link would not have taken, in the link's words.
pub fn try_with_value(config: &RunConfig, key: &str, value: &str) -> Result<RunConfig, String> {
    let decoded = with_value(config, key, value);
    match decoded.notices.into_iter().next() {
        Some(notice) => Err(notice.trim_end_matches(FALLBACK).to_string()),
        None => Ok(decoded.config),
    }
}

/// What a notice adds when the decoder falls back to a default.
const FALLBACK: &str = "; using the default";

fn join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={}", escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes a hash (with or without the leading `#`).
pub fn decode(hash: &str) -> UrlState {
    let mut notices = Vec::new();
    let mut hidden = Vec::new();
    let pairs: Vec<(String, String)> = hash
        .trim_start_matches('#')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (unescape(key), unescape(value))
        })
        .collect();
    let mut value = serde_json::to_value(RunConfig::default()).expect("serialises");
    // Kinds first: a kind resets its section to that kind's defaults.
    for (key, id) in &pairs {
        let Some(kind) = kind(key) else {
            continue;
        };
        match (kind.defaults)(id) {
            Ok(defaults) => {
                *pointer_mut(&mut value, kind.path).expect("every kind has its place") = defaults;
            }
            Err(error) => notices.push(format!("{error}{FALLBACK}")),
        }
    }
    for (key, text) in &pairs {
        match key.as_str() {
            key if is_kind_key(key) => {}
            "hide" => hidden.extend(text.split(',').filter(|k| !k.is_empty()).map(String::from)),
            "fm_factors" => match text.parse::<u64>() {
                Ok(factors) => value["fm"] = serde_json::json!({ "factors": factors }),
                Err(_) => notices.push(invalid(key, text)),
            },
            _ => match locate(&mut value, key) {
                Some(slot) => match parse_like(slot, text) {
                    Some(parsed) => *slot = parsed,
                    None => notices.push(invalid(key, text)),
                },
                None => notices.push(format!("unknown key `{key}` ignored")),
            },
        }
    }
    let config = settle(value, &mut notices);
    UrlState {
        config,
        hidden,
        notices,
    }
}

/// Deserialises and validates, resetting each offending field to its default until valid.
fn settle(mut value: Value, notices: &mut Vec<String>) -> RunConfig {
    let defaults = |value: &Value, section: &str| -> Value {
        let kind = value[section]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        crate::registry::kind(section)
            .and_then(|registry| (registry.defaults)(&kind).ok())
            .unwrap_or(Value::Null)
    };
    let fallback = serde_json::to_value(RunConfig::default()).expect("serialises");
    for _ in 0..32 {
        let config: RunConfig = match serde_json::from_value(value.clone()) {
            Ok(config) => config,
            Err(error) => {
                notices.push(format!(
                    "the link's settings do not fit together ({error}); using the defaults"
                ));
                return RunConfig::default();
            }
        };
        let Err(error) = config.validate() else {
            return config;
        };
        notices.push(format!("{error}{FALLBACK}"));
        let path: Vec<&str> = error
            .field
            .split(' ')
            .next()
            .unwrap_or_default()
            .split('.')
            .collect();
        let section = path[0];
        let replacement = if SECTIONS.contains(&section) {
            defaults(&value, section)
        } else {
            fallback.clone()
        };
        let reset = if path.len() == 1 || !SECTIONS.contains(&section) {
            // A whole section (e.g. an architecture that does not fit the dataset), or a field
            // outside the kinds: take the run default.
            let source = if path.len() == 1 {
                &fallback
            } else {
                &replacement
            };
            pointer(source, &path).cloned()
        } else {
            pointer(&replacement, &path[1..]).cloned()
        };
        match (reset, pointer_mut(&mut value, &path)) {
            (Some(default), Some(slot)) => *slot = default,
            _ => return RunConfig::default(),
        }
    }
    RunConfig::default()
}

fn pointer<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn pointer_mut<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(*key))
}

/// The field a key names: a top-level field, a field of the dataset, architecture or weighting
/// kind, of the optimiser, or of the training settings (dotted keys reach nested fields).
fn locate<'a>(value: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let path: Vec<&str> = key.split('.').collect();
    let in_top = matches!(key, "seed" | "baselines");
    let section = if in_top {
        None
    } else {
        SECTIONS
            .iter()
            .copied()
            .chain(["train.optimizer", "train"])
            .find(|section| {
                let section_path: Vec<&str> = section.split('.').collect();
                pointer(value, &section_path)
                    .and_then(|s| pointer(s, &path))
                    .is_some()
                    && path[0] != "kind"
                    && !(section == &"train" && path[0] == "optimizer")
            })
    };
    match section {
        None if in_top => value.get_mut(key),
        None => None,
        Some(section) => {
            let mut full: Vec<&str> = section.split('.').collect();
            full.extend(&path);
            pointer_mut(value, &full)
        }
    }
}

/// `text` parsed as the same JSON type as `like`.
fn parse_like(like: &Value, text: &str) -> Option<Value> {
    match like {
        Value::Bool(_) => match text {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        Value::Number(number) if number.is_u64() => text.parse::<u64>().ok().map(Value::from),
        Value::Number(_) => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Value::from),
        Value::Array(items) => {
            let element = items.first().cloned().unwrap_or(Value::from(0.0));
            text.split(',')
                .map(|part| parse_like(&element, part))
                .collect::<Option<Vec<_>>>()
                .filter(|parsed| !parsed.is_empty())
                .map(Value::Array)
        }
        Value::String(_) | Value::Null => Some(Value::String(text.to_string())),
        Value::Object(_) => None,
    }
}

/// Adds `object`'s fields (not `kind`) to `pairs`, nested objects as dotted keys.
fn flatten(object: &Map<String, Value>, prefix: &str, pairs: &mut Vec<(String, String)>) {
    for (key, value) in object {
        if key == "kind" || value.is_null() {
            continue;
        }
        let name = format!("{prefix}{key}");
        match value {
            Value::Object(inner) => flatten(inner, &format!("{name}."), pairs),
            Value::Array(items) => {
                pairs.push((name, items.iter().map(scalar).collect::<Vec<_>>().join(",")))
            }
            other => pairs.push((name, scalar(other))),
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn invalid(key: &str, text: &str) -> String {
    format!("invalid value `{text}` for `{key}`{FALLBACK}")
}

/// Percent-encodes what a hash value must not carry raw.
pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | ',' => c.to_string(),
            other => {
                let mut buffer = [0u8; 4];
                other
                    .encode_utf8(&mut buffer)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

pub(crate) fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

mod ranges;

pub use ranges::{BoundaryCase, boundary_cases};

#[cfg(test)]
mod tests;
