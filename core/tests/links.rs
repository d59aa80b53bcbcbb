//! Links and run JSON written before the registries were rebuilt (issue 9, fixture made by the
//! previous codec at commit 3b42c7a: every registered kind once, SGD with momentum, the FM
//! term) still decode to the same config, and that config still serialises the same.

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
        assert_eq!(
            serde_json::to_value(&decoded.config).unwrap(),
            entry["config"],
            "{hash}"
        );
        let from_json = RunConfig::from_json(&entry["config"].to_string()).unwrap();
        assert_eq!(from_json, decoded.config, "{hash}");
        assert_eq!(
            url::encode(&decoded.config, &[]),
            hash,
            "links are written as before"
        );
    }
}
