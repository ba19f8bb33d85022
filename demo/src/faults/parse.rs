//! Reading fault profiles from JSON and TOML, with errors that name the
//! source, the key path and the fix.

use std::fs;
use std::path::Path;

use serde_path_to_error::{Path as KeyPath, Segment};

use super::error::FaultError;
use super::profile::FaultProfile;

impl FaultProfile {
    /// Reads and checks a profile from a `.json` or `.toml` file.
    pub fn from_file(path: &Path) -> Result<FaultProfile, FaultError> {
        let text = fs::read_to_string(path).map_err(|source| FaultError::Read {
            path: path.to_owned(),
            source,
        })?;
        let origin = path.display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Self::from_json_str(&text, &origin),
            Some(ext) if ext.eq_ignore_ascii_case("toml") => Self::from_toml_str(&text, &origin),
            _ => Err(FaultError::Format {
                path: path.to_owned(),
            }),
        }
    }

    /// Reads and checks a JSON profile; `origin` names it in errors (a file
    /// name, or `PUT /__faults`).
    pub fn from_json_str(text: &str, origin: &str) -> Result<FaultProfile, FaultError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let profile: FaultProfile = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| invalid(origin, key_path(e.path()), e.inner().to_string()))?;
        de.end()
            .map_err(|e| invalid(origin, TOP.to_owned(), e.to_string()))?;
        profile.check(origin)?;
        Ok(profile)
    }

    /// Reads and checks a TOML profile; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<FaultProfile, FaultError> {
        let toml_message = |e: &toml::de::Error| match e.span() {
            Some(span) => {
                let line = text
                    .get(..span.start)
                    .map_or(0, |t| t.lines().count().max(1));
                format!("{} (line {line})", e.message().trim_end())
            }
            None => e.message().trim_end().to_owned(),
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| invalid(origin, TOP.to_owned(), toml_message(&e)))?;
        let profile: FaultProfile = serde_path_to_error::deserialize(de)
            .map_err(|e| invalid(origin, key_path(e.path()), toml_message(e.inner())))?;
        profile.check(origin)?;
        Ok(profile)
    }

    /// Checks a profile built in code: ranges, route keys, statuses and
    /// phase order, as the parsers do.
    pub fn validate(&self) -> Result<(), FaultError> {
        self.check("fault profile")
    }
}

/// How an error names the document itself.
pub(crate) const TOP: &str = "(top level)";

pub(crate) fn invalid(origin: &str, key: String, message: String) -> FaultError {
    FaultError::Invalid {
        origin: origin.to_owned(),
        key,
        message,
    }
}

/// Writes a key path as TOML would: `phases[0].routes."GET /products"`.
fn key_path(path: &KeyPath) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => push_key(&mut out, key),
            Segment::Enum { variant } => push_key(&mut out, variant),
            Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    if out.is_empty() { TOP.to_owned() } else { out }
}

/// Appends `key` to a dotted path, quoted unless it is a bare word.
pub(crate) fn push_key(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        out.push_str(key);
    } else {
        out.push('"');
        out.push_str(key);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<FaultProfile, FaultError>) -> String {
        result.expect_err("invalid profile").to_string()
    }

    #[test]
    fn json_and_toml_read_the_same_profile() {
        let json = r#"{
            "default": {"latency": {"fixed": 20}, "errors": {"502": 0.05}},
            "routes": {"GET /products": {"queue": {"workers": 4, "service_ms": 20}}},
            "phases": [{"after": "10s", "default": {"timeout": 0.5}}]
        }"#;
        let toml = r#"
            [default]
            latency = { fixed = 20 }
            errors = { 502 = 0.05 }
            [routes."GET /products"]
            queue = { workers = 4, service_ms = 20 }
            [[phases]]
            after = "10s"
            default = { timeout = 0.5 }
        "#;
        let from_json = FaultProfile::from_json_str(json, "a.json").expect("valid JSON");
        let from_toml = FaultProfile::from_toml_str(toml, "a.toml").expect("valid TOML");
        assert_eq!(from_json, from_toml);
        // What GET /__faults serves reads back the same.
        let served = serde_json::to_string(&from_json).expect("serializable");
        assert_eq!(
            FaultProfile::from_json_str(&served, "GET").expect("round trip"),
            from_json
        );
    }

    #[test]
    fn misspelt_keys_name_the_path_and_the_expected_keys() {
        let text = r#"{"routes": {"GET /products": {"latncy": {"fixed": 1}}}}"#;
        let msg = message(FaultProfile::from_json_str(text, "flaky.json"));
        assert!(
            msg.starts_with("flaky.json: at `routes.\"GET /products\".latncy`"),
            "{msg}"
        );
        assert!(
            msg.contains("unknown field `latncy`, expected one of"),
            "{msg}"
        );
        assert!(msg.contains("`latency`"), "{msg}");

        let text = "[default]\nlatency = { fixd = 20 }\n";
        let msg = message(FaultProfile::from_toml_str(text, "slow.toml"));
        assert!(msg.starts_with("slow.toml: at `default.latency`"), "{msg}");
        assert!(msg.contains("unknown variant `fixd`"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn syntax_errors_and_trailing_text_are_reported() {
        let msg = message(FaultProfile::from_json_str("{\"default\": ", "x.json"));
        assert!(msg.starts_with("x.json: at "), "{msg}");
        let msg = message(FaultProfile::from_json_str("{} {}", "x.json"));
        assert!(msg.contains("trailing characters"), "{msg}");
        let msg = message(FaultProfile::from_toml_str("[default\n", "x.toml"));
        assert!(msg.starts_with("x.toml: at `(top level)`"), "{msg}");
    }

    /// The shipped examples in `demo/profiles/` stay valid.
    #[test]
    fn example_profiles_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
        let mut loaded = 0;
        for entry in fs::read_dir(&dir).expect("demo/profiles") {
            let path = entry.expect("entry").path();
            let profile = FaultProfile::from_file(&path);
            assert!(profile.is_ok(), "{}: {profile:?}", path.display());
            loaded += 1;
        }
        assert!(loaded >= 4, "{loaded} profiles");
    }

    #[test]
    fn files_are_read_by_extension() {
        let dir = std::env::temp_dir().join(format!("volley-demo-parse-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let json = dir.join("p.json");
        fs::write(&json, r#"{"default": {"reset": 0.5}}"#).expect("write");
        assert_eq!(
            FaultProfile::from_file(&json)
                .expect("valid")
                .default
                .map(|r| r.reset),
            Some(0.5)
        );
        let yaml = dir.join("p.yaml");
        fs::write(&yaml, "default: {}").expect("write");
        assert!(matches!(
            FaultProfile::from_file(&yaml),
            Err(FaultError::Format { .. })
        ));
        let missing = dir.join("missing.toml");
        let msg = message(FaultProfile::from_file(&missing));
        assert!(msg.contains("missing.toml"), "{msg}");
        let _ = fs::remove_dir_all(&dir);
    }
}
