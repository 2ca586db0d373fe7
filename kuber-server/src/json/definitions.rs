//! JSON index definitions on disk (`<data_dir>/json-indexes.json`), so that indexes come back after
//! a restart: the file is rewritten after every `JINDEX CREATE`/`DROP` and `RDROP`, and read at
//! startup, where each index is rebuilt from the documents present (with persistence, the
//! documents loaded from the backend).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::index::IndexKind;
use crate::query::FieldPath;
use crate::store::Store;

/// File name inside the data directory.
pub const FILE_NAME: &str = "json-indexes.json";

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Definition {
    region: String,
    name: String,
    path: String,
    kind: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefinitionsFile {
    indexes: Vec<Definition>,
}

/// Writes every region's index definitions to `path` (through a temporary file and a rename, so a
/// crash leaves the old or the new file, never half of one).
pub fn save(store: &Store, path: &Path) -> std::io::Result<()> {
    let mut file = DefinitionsFile::default();
    for region in store.regions() {
        let ks = region.lock();
        for index in ks.json_catalog().indexes() {
            file.indexes.push(Definition {
                region: region.name().to_owned(),
                name: index.name.clone(),
                path: index.path_text.clone(),
                kind: index.kind.name().to_owned(),
            });
        }
    }
    file.indexes
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, path)
}

/// Recreates the indexes listed in `path` (a missing file means none), creating their regions
/// when needed. Returns how many indexes were built; an unreadable or invalid file is an error that
/// names the problem, since starting without the indexes would silently slow every search.
pub fn load(store: &Store, path: &Path) -> Result<usize, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let file: DefinitionsFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for def in &file.indexes {
        let context = |msg: String| {
            format!(
                "{}: index '{}' of region '{}': {msg}",
                path.display(),
                def.name,
                def.region
            )
        };
        let kind = IndexKind::parse(def.kind.as_bytes())
            .ok_or_else(|| context(format!("kind must be HASH or SORTED, not '{}'", def.kind)))?;
        let field = FieldPath::parse(&def.path)
            .map_err(|e| context(format!("path '{}': {e}", def.path)))?;
        let region = store
            .get_or_create(&def.region)
            .map_err(|e| context(e.to_string()))?;
        region
            .lock()
            .create_json_index(&def.name, field, kind)
            .map_err(|e| context(e.to_string()))?;
    }
    Ok(file.indexes.len())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{ManualClock, StoreLimits};

    fn store() -> Store {
        Store::new(StoreLimits::default(), Arc::new(ManualClock::new(1)))
    }

    #[test]
    fn definitions_round_trip_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(load(&store(), &path), Ok(0), "no file, no indexes");

        let first = store();
        let region = first.get_or_create("people").unwrap();
        region
            .lock()
            .create_json_index(
                "by_city",
                FieldPath::parse("city").unwrap(),
                IndexKind::Hash,
            )
            .unwrap();
        save(&first, &path).unwrap();

        let second = store();
        assert_eq!(load(&second, &path), Ok(1));
        let region = second.region("people").expect("region recreated");
        let ks = region.lock();
        let index = &ks.json_catalog().indexes()[0];
        assert_eq!(
            (index.name.as_str(), index.path_text.as_str(), index.kind),
            ("by_city", "$.city", IndexKind::Hash)
        );
        drop(ks);

        std::fs::write(
            &path,
            r#"{"indexes":[{"region":"r","name":"i","path":"$.a","kind":"BTREE"}]}"#,
        )
        .unwrap();
        let err = load(&store(), &path).unwrap_err();
        assert!(
            err.contains("index 'i' of region 'r': kind must be HASH or SORTED, not 'BTREE'"),
            "{err}"
        );
        std::fs::write(&path, "{").unwrap();
        assert!(load(&store(), &path).unwrap_err().contains(FILE_NAME));
    }
}
