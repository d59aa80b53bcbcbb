//! Links and run JSON written before the registries were rebuilt (issue 9, fixture made by the
//! previous codec at commit 3b42c7a: every registered kind once, SGD with momentum, the FM
//! term) still decode to the same config, and that config still serialises the same. Fields
//! added since (the funnel's `conversion_sparsity` and `selection_bias`) are absent from those
//! links, so they decode to their defaults; the fixture's keys must all come back unchanged and
//! in order, with the added ones beside them.

use seesaw_core::train::RunConfig;
use seesaw_core::url;

#[test]
fn earlier_links_and_run_json_decode_to_the_same_config() {
    let fixture: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("fixtures/links.json")).unwrap();
    assert_eq!(fixture.len(), 38);
    for entry in fixture {
        let hash = entry["hash"].as_str().unwrap();
        let decoded = url::decode(hash);
        assert!(decoded.notices.is_empty(), "{hash}: {:?}", decoded.notices);
        let serialised = serde_json::to_value(&decoded.config).unwrap();
        assert!(
            contains(&serialised, &entry["config"]),
            "{hash}: {serialised} lost or changed a field of {}",
            entry["config"]
        );
        let from_json = RunConfig::from_json(&entry["config"].to_string()).unwrap();
        assert_eq!(from_json, decoded.config, "{hash}");
        let encoded = url::encode(&decoded.config, &[]);
        let mut written = encoded.split('&');
        let in_order = hash.split('&').all(|pair| written.any(|p| p == pair));
        assert!(
            in_order,
            "links are written as before: {encoded} against {hash}"
        );
    }
}

/// Whether `new` holds every field of `old` with the same value (objects may have more keys).
fn contains(new: &serde_json::Value, old: &serde_json::Value) -> bool {
    match (new, old) {
        (serde_json::Value::Object(new), serde_json::Value::Object(old)) => old
            .iter()
            .all(|(key, value)| new.get(key).is_some_and(|n| contains(n, value))),
        _ => new == old,
    }
}
