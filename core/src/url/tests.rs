//! The URL codec's tests: every field round-trips, bad values become notices.
use super::*;
use crate::Registry;
use crate::data::DatasetConfig;
use crate::model::{ArchConfig, FmConfig};
use crate::train::OptimizerConfig;
use crate::weighting::WeightingConfig;

#[test]
fn fields_name_every_key_once_in_its_section() {
    let mut config = RunConfig {
        fm: Some(FmConfig { factors: 3 }),
        ..RunConfig::default()
    };
    config.weighting = WeightingConfig::from_id("cagrad").unwrap();
    let fields = fields(&config);
    let section = |key: &str| {
        fields
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .section
    };
    assert_eq!(section("seed"), Section::Run);
    assert_eq!(section("fm_factors"), Section::Run);
    assert_eq!(section("dataset"), Section::Dataset);
    assert_eq!(section("correlation"), Section::Dataset);
    assert_eq!(section("arch"), Section::Arch);
    assert_eq!(section("experts"), Section::Arch);
    assert_eq!(section("weighting"), Section::Weighting);
    assert_eq!(section("c"), Section::Weighting);
    assert_eq!(section("optimizer"), Section::Train);
    assert_eq!(section("learning_rate"), Section::Train);
    let mut keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    let count = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), count, "no key twice");
    let edited = with_value(&config, "learning_rate", "0.01");
    assert!(edited.notices.is_empty(), "{:?}", edited.notices);
    assert_eq!(edited.config.train.learning_rate, 0.01);
    assert!(
        !with_value(&config, "learning_rate", "1%")
            .notices
            .is_empty()
    );
    // The hash is exactly the fields.
    let hash = encode(&config, &[]);
    assert_eq!(hash.split('&').count(), count);
    assert_eq!(decode(&hash).config, config);
}

#[test]
fn every_registered_option_round_trips() {
    for dataset in DatasetConfig::all() {
        for arch in ArchConfig::all() {
            for weighting in WeightingConfig::all() {
                let config = RunConfig {
                    seed: 3,
                    dataset: dataset.clone(),
                    arch: arch.clone(),
                    weighting,
                    fm: Some(FmConfig { factors: 6 }),
                    ..RunConfig::default()
                };
                if config.validate().is_err() {
                    continue;
                }
                let hash = encode(&config, &[]);
                let state = decode(&hash);
                assert_eq!(state.notices, Vec::<String>::new(), "{hash}");
                assert_eq!(state.config, config, "{hash}");
            }
        }
    }
}

#[test]
fn keys_of_different_sections_never_collide() {
    // A bare key must name one field: no two sections may share a field name.
    let mut owners: std::collections::BTreeMap<String, String> = Default::default();
    let mut claim = |key: String, owner: &str| {
        if let Some(previous) = owners.insert(key.clone(), owner.to_string()) {
            assert_eq!(previous, owner, "`{key}` belongs to two sections");
        }
    };
    let sections: Vec<(&str, Vec<Value>)> = vec![
        (
            "dataset",
            DatasetConfig::all()
                .iter()
                .map(|c| serde_json::to_value(c).unwrap())
                .collect(),
        ),
        (
            "arch",
            ArchConfig::all()
                .iter()
                .map(|c| serde_json::to_value(c).unwrap())
                .collect(),
        ),
        (
            "weighting",
            WeightingConfig::all()
                .iter()
                .map(|c| serde_json::to_value(c).unwrap())
                .collect(),
        ),
        (
            "train",
            std::iter::once(serde_json::to_value(RunConfig::default().train).unwrap())
                .chain(
                    OptimizerConfig::all()
                        .iter()
                        .map(|c| serde_json::to_value(c).unwrap()),
                )
                .collect(),
        ),
    ];
    for (section, values) in sections {
        for value in values {
            let mut pairs = Vec::new();
            flatten(value.as_object().unwrap(), "", &mut pairs);
            for (key, _) in pairs {
                claim(key, section);
            }
        }
    }
    for top in [
        "seed",
        "baselines",
        "fm_factors",
        "hide",
        "dataset",
        "arch",
        "weighting",
        "optimizer",
    ] {
        assert!(!owners.contains_key(top), "`{top}` is reserved");
    }
}

#[test]
fn a_shared_link_loads_its_config() {
    let state = decode("#arch=ple&weighting=pcgrad&seed=3");
    assert!(state.notices.is_empty(), "{:?}", state.notices);
    assert_eq!(state.config.arch.id(), "ple");
    assert_eq!(state.config.weighting.id(), "pcgrad");
    assert_eq!(state.config.seed, 3);
    let state =
        decode("dataset=funnel&correlation=-0.3&click_rate=0.2&weights=1,2&hide=weighting,seed");
    assert_eq!(state.hidden, vec!["weighting", "seed"]);
    let DatasetConfig::Funnel(funnel) = &state.config.dataset else {
        panic!("funnel")
    };
    assert_eq!((funnel.correlation, funnel.click_rate), (-0.3, 0.2));
    // `weights` belongs to `fixed`, which this link did not choose.
    assert_eq!(
        state.notices,
        vec!["unknown key `weights` ignored".to_string()]
    );
}

#[test]
fn bad_values_give_notices_and_defaults() {
    let state = decode("#arch=nonsense&correlation=2&steps=many&colour=red");
    assert_eq!(state.config.arch, ArchConfig::default());
    assert_eq!(state.config.dataset, DatasetConfig::default());
    assert_eq!(state.config.train.steps, RunConfig::default().train.steps);
    let all = state.notices.join("\n");
    for expected in ["nonsense", "`steps`", "colour", "dataset.correlation"] {
        assert!(all.contains(expected), "missing {expected}: {all}");
    }
    // An architecture that does not fit the dataset falls back to the default architecture.
    let state = decode("#arch=esmm");
    assert_eq!(state.config.arch, ArchConfig::default());
    assert!(state.notices[0].contains("funnel"), "{:?}", state.notices);
    assert!(state.config.validate().is_ok());
}

#[test]
fn escaping_round_trips() {
    for text in ["loss+", "a b", "x%y", "plain-1.5,2", "%é"] {
        assert_eq!(unescape(&escape(text)), text);
    }
}
