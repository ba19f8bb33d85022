//! `volley inspect`: what a scenario component is, read from its bytes and
//! its type: contract version, the toolchains that produced it (the
//! `producers` custom sections), size, imports and exports.

use std::path::Path;

use super::{ScenarioError, ScenarioRuntime, validate};

/// What `volley inspect` reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Inspection {
    /// The file.
    pub path: String,
    /// Its size in bytes.
    pub size: usize,
    /// The `volley:scenario` version it was built against.
    pub contract: String,
    /// `field: name version` entries of every producers section
    /// (language, processed-by, sdk), deduplicated.
    pub producers: Vec<String>,
    /// The scenario's language and toolchain, read from the producers:
    /// `JavaScript`, `Python`, `C`, `Rust`, or `unknown`.
    pub language: String,
    /// The interfaces it imports.
    pub imports: Vec<String>,
    /// What it exports.
    pub exports: Vec<String>,
}

/// Inspect the component at `path` (validated like `volley run` does).
pub fn inspect(path: &Path) -> Result<Inspection, ScenarioError> {
    let rt = ScenarioRuntime::load(path, super::RuntimeLimits::default())?;
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let ty = rt.component_type();
    let imports: Vec<String> = ty
        .imports(rt.engine())
        .map(|(n, _)| n.to_string())
        .collect();
    let exports: Vec<String> = ty
        .exports(rt.engine())
        .map(|(n, _)| n.to_string())
        .collect();
    let contract = exports
        .iter()
        .find_map(|e| e.strip_prefix("volley:scenario/lifecycle@"))
        .unwrap_or(validate::CONTRACT_VERSION)
        .to_string();
    let producers = producers(&bytes);
    Ok(Inspection {
        path: path.display().to_string(),
        size: bytes.len(),
        contract,
        language: language(&producers),
        producers,
        imports,
        exports,
    })
}

/// Every `producers` entry of a component's bytes (its nested modules'
/// too), deduplicated: read from the bytes, nothing is compiled.
pub fn producers(bytes: &[u8]) -> Vec<String> {
    let mut producers = Vec::new();
    collect_producers(bytes, &mut producers);
    producers.dedup();
    producers
}

/// The language a scenario was written in, from its producers. Runtimes,
/// adapters and standard libraries bring producers of their own (the WASI
/// adapter and the QuickJS and CPython runtimes say `language: Rust`; Rust's
/// standard library brings wasi-libc, written in C), so the marks only one
/// toolchain leaves are looked for first: Volley's build scripts' `sdk`
/// entries, then the binding generators.
pub fn language(producers: &[String]) -> String {
    let has = |needle: &str| producers.iter().any(|p| p.contains(needle));
    let guess = if has("volley-js") || has("componentize-js") || has("componentize-qjs") {
        "JavaScript (QuickJS, jco componentize)"
    } else if has("componentize-py") || has("component-init-transform") {
        "Python (componentize-py)"
    } else if has("volley-c") || (has("wit-bindgen-c") && !has("wit-bindgen-rust")) {
        "C (clang, wit-bindgen-c)"
    } else if has("wit-bindgen-rust") || has("language: Rust") {
        "Rust"
    } else if has("language: C") {
        "C"
    } else {
        "unknown"
    };
    guess.to_string()
}

fn leb(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut result = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(result);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

fn name<'a>(bytes: &'a [u8], pos: &mut usize) -> Option<&'a str> {
    let len = leb(bytes, pos)? as usize;
    let s = std::str::from_utf8(bytes.get(*pos..*pos + len)?).ok()?;
    *pos += len;
    Some(s)
}

/// Walk the sections of a module or component (and of the core modules
/// and components nested in it) and read every `producers` section.
fn collect_producers(bytes: &[u8], out: &mut Vec<String>) {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return;
    }
    let component = bytes[6] == 1;
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let Some(size) = leb(bytes, &mut pos) else {
            return;
        };
        let end = pos + size as usize;
        let Some(body) = bytes.get(pos..end) else {
            return;
        };
        match id {
            0 => {
                let mut p = 0;
                if name(body, &mut p) == Some("producers") {
                    read_producers(&body[p..], out);
                }
            }
            // A nested core module (1) or component (4) in a component.
            1 | 4 if component => collect_producers(body, out),
            _ => {}
        }
        pos = end;
    }
}

fn read_producers(body: &[u8], out: &mut Vec<String>) {
    let mut p = 0;
    let Some(fields) = leb(body, &mut p) else {
        return;
    };
    for _ in 0..fields {
        let Some(field) = name(body, &mut p) else {
            return;
        };
        let Some(values) = leb(body, &mut p) else {
            return;
        };
        for _ in 0..values {
            let (Some(n), Some(v)) = (name(body, &mut p), name(body, &mut p)) else {
                return;
            };
            let entry = format!("{field}: {n} {v}").trim_end().to_string();
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_guest_language_before_its_runtime() {
        let p = |list: &[&str]| language(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            p(&[
                "language: C11",
                "processed-by: wit-bindgen-c 0.63.0",
                "language: Rust"
            ]),
            "C (clang, wit-bindgen-c)"
        );
        assert_eq!(
            p(&["language: Rust", "sdk: volley-js 0.1.0"]),
            "JavaScript (QuickJS, jco componentize)"
        );
        assert_eq!(
            p(&[
                "processed-by: wit-bindgen-rust 0.45.0",
                "processed-by: wit-bindgen-c 0.51.0"
            ]),
            "Rust"
        );
        assert_eq!(
            p(&[
                "language: Rust",
                "processed-by: component-init-transform 0.2.0"
            ]),
            "Python (componentize-py)"
        );
        assert_eq!(p(&[]), "unknown");
    }

    #[test]
    fn reads_a_producers_section() {
        // A core module with one custom section "producers": language Rust 1.95.
        let mut section = vec![9];
        section.extend_from_slice(b"producers");
        section.extend_from_slice(&[1, 8]);
        section.extend_from_slice(b"language");
        section.extend_from_slice(&[1, 4]);
        section.extend_from_slice(b"Rust");
        section.extend_from_slice(&[4]);
        section.extend_from_slice(b"1.95");
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.push(0);
        module.push(section.len() as u8);
        module.extend_from_slice(&section);
        let mut out = Vec::new();
        collect_producers(&module, &mut out);
        assert_eq!(out, vec!["language: Rust 1.95".to_string()]);
    }
}
