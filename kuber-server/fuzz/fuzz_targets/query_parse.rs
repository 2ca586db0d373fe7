//! Fuzz target: arbitrary text through the JSEARCH query parser. What parses must survive
//! `Display` → `parse` unchanged and evaluate without panicking; the same for field paths.

#![no_main]

use kuber_server::query::{FieldPath, parse};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = parse(text) {
        let printed = query.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
        assert_eq!(again, query, "{printed}");
        assert_eq!(again.to_string(), printed);
        let doc = json!({"a": [1, "x", {"b": null}], "b": {"c": "é"}, "x y": [true, [2.5]]});
        let _ = query.matches(&doc);
        for condition in &query.conditions {
            let _ = condition.index_probe();
        }
    }
    if let Ok(path) = FieldPath::parse(text) {
        let canonical = path.canonical();
        assert_eq!(
            FieldPath::parse(&canonical).as_ref(),
            Ok(&path),
            "{canonical}"
        );
    }
});
