//! A comparison in the URL hash, beside the base run's keys, so a link reproduces the whole
//! comparison: `#arch=mmoe&…&compare.arch=mmoe,shared-bottom&compare.weighting=equal,pcgrad&
//! compare.seeds=1,2&compare.vary=correlation&compare.values=1,0.5`.

use super::grid::{GridSpec, Vary};
use crate::registry::kind_ids;
use crate::url::{escape, unescape};

/// The prefix of a comparison's keys.
pub const PREFIX: &str = "compare.";

/// Whether a hash key belongs to the comparison.
pub fn is_compare_key(key: &str) -> bool {
    key.starts_with(PREFIX)
}

/// The comparison's keys (without the base run's): empty lists are left out.
pub fn encode(spec: &GridSpec) -> String {
    let mut pairs = Vec::new();
    let mut push = |key: &str, values: Vec<String>| {
        if !values.is_empty() {
            pairs.push(format!("{PREFIX}{key}={}", escape(&values.join(","))));
        }
    };
    push("arch", spec.arch.clone());
    push("weighting", spec.weighting.clone());
    push("seeds", spec.seeds.iter().map(u64::to_string).collect());
    if let Some(vary) = &spec.vary {
        push("vary", vec![vary.key.clone()]);
        push("values", vary.values.clone());
    }
    pairs.join("&")
}

/// Appends the comparison's keys to a run's `hash` (nothing when its lists are all empty).
pub fn append(hash: &mut String, spec: &GridSpec) {
    let keys = encode(spec);
    if !keys.is_empty() {
        if !hash.is_empty() {
            hash.push('&');
        }
        hash.push_str(&keys);
    }
}

/// The comparison in `hash`, if it has one, with its `base` left at the default (the caller
/// decodes the run's own keys), and a notice per value it could not use (that value is
/// dropped, as a run's link falls back to a default).
pub fn decode(hash: &str) -> (Option<GridSpec>, Vec<String>) {
    let mut spec = GridSpec::default();
    let mut notices = Vec::new();
    let mut found = false;
    let (mut vary, mut values) = (None, Vec::new());
    for pair in hash.trim_start_matches('#').split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(name) = key.strip_prefix(PREFIX) else {
            continue;
        };
        found = true;
        let value = unescape(value);
        let list = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
        match name {
            "arch" | "weighting" => {
                let known = kind_ids(name);
                let target = if name == "arch" {
                    &mut spec.arch
                } else {
                    &mut spec.weighting
                };
                for id in list() {
                    if known.contains(&id) {
                        target.push(id.to_string());
                    } else {
                        notices.push(format!(
                            "comparison: unknown {name} `{id}` left out; known: {}",
                            known.join(", ")
                        ));
                    }
                }
            }
            "seeds" => {
                for seed in list() {
                    match seed.parse() {
                        Ok(seed) => spec.seeds.push(seed),
                        Err(_) => {
                            notices.push(format!("comparison: seed `{seed}` is not a number"))
                        }
                    }
                }
            }
            "vary" => vary = Some(value.clone()),
            "values" => values = list().map(String::from).collect(),
            _ => notices.push(format!("unknown key `{key}` ignored")),
        }
    }
    match vary {
        Some(key) if !values.is_empty() => spec.vary = Some(Vary { key, values }),
        Some(key) => notices.push(format!("comparison: no values for `{key}`; not swept")),
        None if !values.is_empty() => {
            notices.push("comparison: values without a knob (`compare.vary`) ignored".into());
        }
        None => {}
    }
    (found.then_some(spec), notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_round_trips_through_its_keys() {
        let spec = GridSpec {
            arch: vec!["mmoe".into(), "shared-bottom".into()],
            weighting: vec!["equal".into(), "pcgrad".into()],
            seeds: vec![1, 2],
            vary: Some(Vary {
                key: "correlation".into(),
                values: vec!["1".into(), "0.5".into()],
            }),
            ..GridSpec::default()
        };
        let hash = encode(&spec);
        assert_eq!(
            hash,
            "compare.arch=mmoe,shared-bottom&compare.weighting=equal,pcgrad&compare.seeds=1,2&\
             compare.vary=correlation&compare.values=1,0.5"
        );
        let (decoded, notices) = decode(&format!("#arch=ple&seed=4&{hash}"));
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(decoded.unwrap(), spec);
        assert_eq!(
            decode("#arch=ple").0,
            None,
            "no comparison keys, no comparison"
        );
    }

    #[test]
    fn bad_values_are_dropped_with_a_notice() {
        let (spec, notices) = decode(
            "compare.weighting=equal,nope&compare.seeds=1,x&compare.vary=correlation&compare.bogus=1",
        );
        let spec = spec.unwrap();
        assert_eq!(spec.weighting, vec!["equal"]);
        assert_eq!(spec.seeds, vec![1]);
        assert_eq!(spec.vary, None);
        assert_eq!(notices.len(), 4, "{notices:?}");
        assert!(notices[0].contains("`nope`"));
    }
}
