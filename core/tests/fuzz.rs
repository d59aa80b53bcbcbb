//! The decoders never panic: the URL-hash decoder, the JSON config reader and the comparison
//! spec (its link keys and its grid JSON, expanded) on generated hostile input. Every input
//! gives either a valid config (with a notice per value the link could not use) or an error
//! naming the field.
//!
//! `scripts/test` runs a short pass (`SEESAW_FUZZ_CASES`, default 2,000 per decoder). The long
//! run: `SEESAW_FUZZ_CASES=100000 cargo test --release -p seesaw-core --test fuzz` (the seed
//! can be moved with `SEESAW_FUZZ_SEED`).

use seesaw_core::compare::{GridSpec, link};
use seesaw_core::rng::Rng;
use seesaw_core::train::RunConfig;
use seesaw_core::url;

fn cases() -> usize {
    std::env::var("SEESAW_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

fn seed() -> u64 {
    std::env::var("SEESAW_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// Values a careless or hostile link carries.
const VALUES: &[&str] = &[
    "",
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "2",
    "1e9",
    "-1e9",
    "1e308",
    "1e309",
    "-1e309",
    "1e-320",
    "18446744073709551616",
    "9223372036854775807",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "0x10",
    "1_000",
    " 1",
    "1,2",
    "1,,2",
    ",",
    "1,2,3,4,5,6,7,8,9",
    "true",
    "false",
    "yes",
    "null",
    "[]",
    "{}",
    "%",
    "%zz",
    "%2",
    "%00",
    "%E2%82%AC",
    "%FF%FE",
    "ü€𝔘",
    "\u{202e}",
    "a=b",
    "&",
    "#",
    "mmoe",
    "esmm",
    "funnel",
    "sgd",
    "pcgrad",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

/// A random string of up to `max` characters, ASCII and beyond.
fn junk(rng: &mut Rng, max: usize) -> String {
    let alphabet: Vec<char> = "az09=&%#,._-+ é€𝔘\u{0}\n".chars().collect();
    (0..rng.below(max + 1))
        .map(|_| alphabet[rng.below(alphabet.len())])
        .collect()
}

/// A hash: keys a link really has (from a random valid config) or invented ones, hostile
/// values, duplicate keys, escapes, now and then a megabyte.
fn hostile_hash(rng: &mut Rng, keys: &[String]) -> String {
    let pairs = rng.below(12);
    let mut parts = Vec::new();
    for _ in 0..pairs {
        let key = match rng.below(6) {
            0 => junk(rng, 12),
            1 => "hide".to_string(),
            _ => keys[rng.below(keys.len())].clone(),
        };
        let value = match rng.below(10) {
            0 => junk(rng, 20),
            1 if rng.below(50) == 0 => "9".repeat(1 << 20),
            _ => pick(rng, VALUES).to_string(),
        };
        parts.push(format!("{key}={value}"));
        if rng.below(8) == 0 {
            // The same key again.
            parts.push(format!("{key}={}", pick(rng, VALUES)));
        }
    }
    let hash = parts.join("&");
    if rng.below(2) == 0 {
        format!("#{hash}")
    } else {
        hash
    }
}

/// JSON: a real config with one value replaced, truncated, nested deep or not JSON at all.
fn hostile_json(rng: &mut Rng, base: &serde_json::Value) -> String {
    match rng.below(5) {
        0 => junk(rng, 40),
        1 => {
            let depth = 1 + rng.below(5000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        }
        2 => {
            let text = base.to_string();
            let cut = rng.below(text.len() + 1);
            text.chars().take(cut).collect()
        }
        _ => {
            let mut value = base.clone();
            let replacement = match rng.below(8) {
                0 => serde_json::json!(f64::MAX),
                1 => serde_json::json!(-1),
                2 => serde_json::json!(u64::MAX),
                3 => serde_json::json!("NaN"),
                4 => serde_json::json!([]),
                5 => serde_json::json!({ "kind": pick(rng, VALUES) }),
                6 => serde_json::Value::Null,
                _ => serde_json::json!(pick(rng, VALUES)),
            };
            replace_somewhere(rng, &mut value, replacement);
            value.to_string()
        }
    }
}

fn replace_somewhere(rng: &mut Rng, value: &mut serde_json::Value, replacement: serde_json::Value) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() && rng.below(3) != 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.below(keys.len())];
            replace_somewhere(rng, map.get_mut(key).unwrap(), replacement);
        }
        other => *other = replacement,
    }
}

/// Some valid configs to start from: the defaults and random kinds.
fn base_configs() -> Vec<RunConfig> {
    let mut configs = vec![RunConfig::default()];
    for hash in [
        "dataset=funnel&arch=esmm&weighting=stch",
        "arch=ple&weighting=fixed&optimizer=sgd",
        "dataset=scales&arch=cross-stitch&weighting=label-reweight&fm_factors=3",
        "arch=cgc&weighting=pe-ltr",
    ] {
        let decoded = url::decode(hash);
        assert!(decoded.notices.is_empty(), "{hash}: {:?}", decoded.notices);
        configs.push(decoded.config);
    }
    configs
}

#[test]
fn the_url_decoder_never_panics_and_always_gives_a_valid_config() {
    let mut rng = Rng::fork(seed(), "fuzz.url");
    let configs = base_configs();
    let mut keys: Vec<String> = configs
        .iter()
        .flat_map(url::fields)
        .map(|field| field.key)
        .collect();
    keys.sort();
    keys.dedup();
    let mut with_notices = 0;
    for case in 0..cases() {
        let hash = hostile_hash(&mut rng, &keys);
        let decoded = url::decode(&hash);
        if let Err(error) = decoded.config.validate() {
            panic!("case {case}: decoded to an invalid config ({error}) from {hash:.300}");
        }
        assert!(decoded.notices.iter().all(|notice| !notice.is_empty()));
        with_notices += usize::from(!decoded.notices.is_empty());
        // Editing a field of the result as a control would is as safe.
        let key = &keys[rng.below(keys.len())];
        let edited = url::with_value(&decoded.config, key, pick(&mut rng, VALUES));
        assert!(edited.config.validate().is_ok(), "case {case}: {key}");
    }
    // The generator does reach the error paths.
    eprintln!("url: {} links, {with_notices} with notices", cases());
    assert!(with_notices > cases() / 4, "{with_notices} of {}", cases());
}

#[test]
fn the_json_reader_never_panics_and_names_what_it_refuses() {
    let mut rng = Rng::fork(seed(), "fuzz.json");
    let bases: Vec<serde_json::Value> = base_configs()
        .iter()
        .map(|config| serde_json::to_value(config).unwrap())
        .collect();
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..cases() {
        let base = &bases[rng.below(bases.len())];
        let text = hostile_json(&mut rng, base);
        // What `seesaw train --config` does: read, then validate.
        match RunConfig::from_json(&text).and_then(|config| config.validate().map(|()| config)) {
            Ok(config) => {
                accepted += 1;
                assert_eq!(
                    RunConfig::from_json(&config.to_json()).unwrap(),
                    config,
                    "case {case}"
                );
            }
            Err(error) => {
                refused += 1;
                assert!(
                    !error.field.is_empty() && !error.message.is_empty(),
                    "case {case}: {error:?}"
                );
            }
        }
    }
    eprintln!("json: accepted {accepted}, refused {refused}");
    assert!(
        accepted > 0 && refused > 0,
        "accepted {accepted}, refused {refused}"
    );
}

/// The comparison's link keys mixed into a hostile hash: the run decodes as before, the
/// comparison decodes to lists of known ids and numbers (or notices), and expanding it gives
/// valid runs or an error naming the field.
#[test]
fn the_comparison_link_never_panics_and_expands_to_valid_runs_or_says_why() {
    let mut rng = Rng::fork(seed(), "fuzz.compare.link");
    let keys: Vec<String> = ["arch", "weighting", "seeds", "vary", "values", "bogus"]
        .iter()
        .map(|k| format!("{}{k}", link::PREFIX))
        .chain(["correlation", "seed", "learning_rate", "experts"].map(String::from))
        .collect();
    let (mut expanded, mut refused) = (0, 0);
    for case in 0..cases() {
        let hash = hostile_hash(&mut rng, &keys);
        let (spec, notices) = link::decode(&hash);
        assert!(notices.iter().all(|n| !n.is_empty()), "case {case}");
        let Some(mut spec) = spec else {
            continue;
        };
        spec.base = url::decode(&hash).config;
        match spec.expand(64) {
            Ok(grid) => {
                expanded += 1;
                for run in &grid.runs {
                    assert!(run.config.validate().is_ok(), "case {case}: {hash:.300}");
                }
                // What the page writes back decodes to the same lists.
                let (again, _) = link::decode(&link::encode(&spec));
                let again = again.unwrap_or_default();
                assert_eq!((again.arch, again.weighting), (spec.arch, spec.weighting));
            }
            Err(error) => {
                refused += 1;
                assert!(
                    !error.field.is_empty() && !error.message.is_empty(),
                    "case {case}"
                );
            }
        }
    }
    eprintln!("compare link: expanded {expanded}, refused {refused}");
    assert!(
        expanded > 0 && refused > 0,
        "expanded {expanded}, refused {refused}"
    );
}

/// `seesaw sweep grid.json`: a real grid with one value replaced, truncated, nested deep or
/// not JSON at all reads and expands, or says what it refuses.
#[test]
fn the_grid_json_never_panics_and_names_what_it_refuses() {
    let mut rng = Rng::fork(seed(), "fuzz.compare.json");
    let base = serde_json::json!({
        "base": serde_json::to_value(RunConfig::default()).unwrap(),
        "arch": ["mmoe", "shared-bottom"],
        "weighting": ["equal", "pcgrad"],
        "seeds": [1, 2],
        "vary": {"key": "correlation", "values": [1, 0.5]},
        "set": ["experts=4"],
    });
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..cases() {
        let text = hostile_json(&mut rng, &base);
        let read = serde_json::from_str::<GridSpec>(&text)
            .map_err(|error| error.to_string())
            .and_then(|spec| spec.expand(64).map_err(|error| error.to_string()));
        match read {
            Ok(grid) => {
                accepted += 1;
                assert!(
                    grid.runs.iter().all(|run| run.config.validate().is_ok()),
                    "case {case}"
                );
            }
            Err(message) => {
                refused += 1;
                assert!(!message.is_empty(), "case {case}");
            }
        }
    }
    eprintln!("grid json: accepted {accepted}, refused {refused}");
    assert!(
        accepted > 0 && refused > 0,
        "accepted {accepted}, refused {refused}"
    );
}
