//! Every field's stated range, as the decoder states it, and the values on and beyond its
//! ends: what tests (and tools) use to check that every path that sets a field — a link, a
//! page control, the CLI's `--set` — gives the same verdict.

use super::{fields, with_value};
use crate::train::RunConfig;

/// One value to try on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryCase {
    /// The link key.
    pub key: String,
    /// The value as a link writes it (a list of as many elements as the field has).
    pub value: String,
    /// Whether the value is on the stated range (an end) rather than just beyond it.
    pub inside: bool,
}

/// Both ends of every numeric field's stated range in `config` and a value just beyond each.
/// A field's range is read from the validator's own message ("allowed: A to B") for a huge
/// value, so there is no second declaration of it to drift.
pub fn boundary_cases(config: &RunConfig) -> Vec<BoundaryCase> {
    let mut cases = Vec::new();
    for field in fields(config) {
        let Some((low, high)) = stated_range(config, &field.key, &field.value) else {
            continue;
        };
        let first = field.value.split(',').next().unwrap_or_default();
        let integer = !first.contains(['.', 'e', 'E']) && first.parse::<i64>().is_ok();
        let beyond = if integer {
            1.0
        } else {
            ((high - low) * 1e-6).max(f64::MIN_POSITIVE)
        };
        for (value, inside) in [
            (low, true),
            (high, true),
            (low - beyond, false),
            (high + beyond, false),
        ] {
            cases.push(BoundaryCase {
                key: field.key.clone(),
                value: shaped(&field.value, &value.to_string()),
                inside,
            });
        }
    }
    cases
}

/// `value` in the shape of `current`: a list of as many elements (`scales=1,100` has a
/// per-element range and a count of its own).
fn shaped(current: &str, value: &str) -> String {
    vec![value; current.split(',').count()].join(",")
}

/// The range the validator states for `key`, found by offering it a huge value; `None` for a
/// key without one.
fn stated_range(config: &RunConfig, key: &str, current: &str) -> Option<(f64, f64)> {
    let probe = with_value(config, key, &shaped(current, "1e15"));
    let allowed = probe.notices.first()?.split("allowed: ").nth(1)?;
    let (low, high) = allowed.split(';').next()?.split_once(" to ")?;
    Some((low.trim().parse().ok()?, high.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::decode;

    /// A link accepts exactly the ends of each stated range, and refuses the values beyond.
    #[test]
    fn links_accept_the_ends_of_every_stated_range_and_nothing_beyond() {
        let mut checked = 0;
        for hash in ["", "dataset=funnel&arch=esmm&weighting=stch&optimizer=sgd"] {
            let config = decode(hash).config;
            for case in boundary_cases(&config) {
                let accepted = with_value(&config, &case.key, &case.value)
                    .notices
                    .is_empty();
                assert_eq!(accepted, case.inside, "{hash}: {case:?}");
                checked += 1;
            }
        }
        assert!(checked > 40, "{checked}");
    }
}
