//! `volley new NAME --lang rust|python|js|c`: a ready scenario project (build
//! script, README, options with thresholds) that builds and runs against
//! `volley target` unchanged.

use std::path::{Path, PathBuf};

/// Why a project could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The directory exists.
    #[error("{0} already exists; pick another name or remove it")]
    Exists(PathBuf),
    /// The name is not usable as a crate name.
    #[error("invalid project name {0:?}: use letters, digits, '-' and '_', starting with a letter")]
    Name(String),
    /// A language without scaffolding yet.
    #[error("--lang {0}: not a scenario language; use rust, python, js or c")]
    Language(String),
    /// The SDK could not be found.
    #[error(
        "cannot find Volley's {0} SDK; pass --sdk PATH (the sdk/{0} folder of a Volley checkout), \
         or set VOLLEY_SDK_DIR to the folder holding rust/, js/, python/ and c/"
    )]
    Sdk(&'static str),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The SDK of `lang` (a folder holding `marker`), looked for in order:
/// `$VOLLEY_SDK_DIR/LANG`; `share/volley/sdk/LANG` beside the binary's
/// `bin/` (an installed release); the `sdk/LANG` of the checkout this
/// binary was built from.
fn default_sdk(lang: &str, marker: &str) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("VOLLEY_SDK_DIR") {
        candidates.push(PathBuf::from(dir).join(lang));
    }
    if let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(bin.join("../share/volley/sdk").join(lang));
    }
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sdk")
            .join(lang),
    );
    candidates
        .into_iter()
        .filter_map(|p| p.canonicalize().ok())
        .find(|p| p.join(marker).exists())
}

/// `--sdk` or the default SDK of `lang`, made absolute.
fn find_sdk(
    given: Option<PathBuf>,
    lang: &'static str,
    marker: &str,
) -> Result<PathBuf, ScaffoldError> {
    match given {
        Some(p) => p.canonicalize().map_err(|_| ScaffoldError::Sdk(lang)),
        None => default_sdk(lang, marker).ok_or(ScaffoldError::Sdk(lang)),
    }
}

/// Create the project directory `parent/name`, which must not exist.
fn project_dir(parent: &Path, name: &str) -> Result<PathBuf, ScaffoldError> {
    let dir = parent.join(name);
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir));
    }
    std::fs::create_dir_all(&dir).map_err(|source| ScaffoldError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    std::fs::write(path, text).map_err(|source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Create project `name` in `parent` for `lang`; returns its directory.
pub fn new_project(
    parent: &Path,
    name: &str,
    lang: &str,
    sdk: Option<PathBuf>,
) -> Result<PathBuf, ScaffoldError> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(ScaffoldError::Name(name.to_string()));
    }
    match lang {
        "rust" => new_rust(parent, name, sdk),
        "python" | "py" => new_python(parent, name, sdk),
        "js" | "javascript" => new_js(parent, name, sdk),
        "c" => new_c(parent, name, sdk),
        _ => Err(ScaffoldError::Language(lang.to_string())),
    }
}

fn new_rust(parent: &Path, name: &str, sdk: Option<PathBuf>) -> Result<PathBuf, ScaffoldError> {
    let sdk = find_sdk(sdk, "rust", "Cargo.toml")?;
    let dir = project_dir(parent, name)?;
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|source| ScaffoldError::Io {
        path: src.clone(),
        source,
    })?;
    let lib = name.replace('-', "_");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
volley-sdk = {{ path = "{sdk}" }}

# A small component that instantiates fast; a panic fails the iteration.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
strip = true

# Keep this project out of any enclosing Cargo workspace.
[workspace]
"#,
            sdk = sdk.display()
        ),
    )?;
    write(&src.join("lib.rs"), TEMPLATE)?;
    manifest(&dir, name)?;
    build_script(
        &dir,
        &format!("target/wasm32-wasip2/release/{lib}.wasm"),
        "rustup target add wasm32-wasip2 >/dev/null 2>&1 || true\ncargo build --target wasm32-wasip2 --release\n",
        &format!("${{CARGO_TARGET_DIR:-target}}/wasm32-wasip2/release/{lib}.wasm"),
    )?;
    write(&dir.join(".gitignore"), "/target\n")?;
    write(
        &dir.join("README.md"),
        &format!(
            "# {name}\n\nA Volley load-test scenario in Rust.\n\n```sh\nbash build.sh\nvolley target &                      # the demo target on 127.0.0.1:3030\nvolley run target/wasm32-wasip2/release/{lib}.wasm\n# against your system:\nvolley run target/wasm32-wasip2/release/{lib}.wasm -e BASE_URL=https://staging.example.com\n```\n\nEdit `src/lib.rs`: `options()` holds the k6-style options and thresholds,\n`iteration()` what one virtual user does; `volley.toml` its parameters and\nthe hosts it may reach. Publish it with `volley push target/wasm32-wasip2/release/{lib}.wasm\noci://REGISTRY/REPOSITORY:TAG` (docs/marketplace.md).\n"
        ),
    )?;
    Ok(dir)
}

/// A `build.sh` that says what it builds, runs `body` in the project, then
/// embeds `volley.toml` in the component at `wasm` with `volley stamp`
/// (after the build: Rust's release profile strips custom sections). Without
/// `volley` on PATH (or in `$VOLLEY`), it says how to stamp instead.
fn build_script(dir: &Path, what: &str, body: &str, wasm: &str) -> Result<(), ScaffoldError> {
    write(
        &dir.join("build.sh"),
        &format!(
            "#!/usr/bin/env bash\n# Build the scenario component: {what}\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\n{body}\
             # Embed the scenario manifest (volley.toml) for `volley inspect` and `volley push`.\n\
             VOLLEY=${{VOLLEY:-volley}}\n\
             if command -v \"$VOLLEY\" >/dev/null 2>&1; then\n\
             \x20   \"$VOLLEY\" stamp \"{wasm}\" --manifest volley.toml\n\
             else\n\
             \x20   echo \"note: volley is not on PATH; before publishing, run: volley stamp {wasm} --manifest volley.toml\" >&2\n\
             fi\n"
        ),
    )
}

/// The scenario manifest of a new project: its parameter and the hosts it
/// may reach once a user grants them (see docs/marketplace.md).
fn manifest(dir: &Path, name: &str) -> Result<(), ScaffoldError> {
    write(
        &dir.join("volley.toml"),
        &format!(
            r#"# The scenario manifest: what `volley inspect` shows, and what a run of
# this scenario from a registry is held to (docs/marketplace.md). build.sh
# embeds it in the component with `volley stamp`.
name = "{name}"
description = "GET /health of the target, with a check."

[[parameters]]
name = "BASE_URL"                 # set with --env BASE_URL=...
type = "url"
default = "http://127.0.0.1:3030"
description = "The system under test"

[capabilities]
# The only hosts the scenario may reach, once a user grants them
# (--grant-manifest or --allow-host). Add your system's, e.g. "staging.example.com".
hosts = ["127.0.0.1"]
"#
        ),
    )
}

/// `.gitignore` and README of a project that builds `NAME.wasm` in place.
fn wasm_project_docs(
    dir: &Path,
    name: &str,
    language: &str,
    ignore: &str,
    edit: &str,
) -> Result<(), ScaffoldError> {
    write(&dir.join(".gitignore"), ignore)?;
    write(
        &dir.join("README.md"),
        &format!(
            "# {name}\n\nA Volley load-test scenario in {language}.\n\n```sh\nbash build.sh\nvolley run {name}.wasm --with-demo-target\nvolley run {name}.wasm -e BASE_URL=https://staging.example.com\n```\n\n{edit} `volley.toml` declares its parameters and the hosts it may reach.\nSee docs/languages.md; publish it with `volley push {name}.wasm\noci://REGISTRY/REPOSITORY:TAG` (docs/marketplace.md).\n"
        ),
    )
}

fn new_python(parent: &Path, name: &str, sdk: Option<PathBuf>) -> Result<PathBuf, ScaffoldError> {
    let sdk = find_sdk(sdk, "python", "volley/__init__.py")?;
    let wit = sdk
        .join("../../wit")
        .canonicalize()
        .map_err(|_| ScaffoldError::Sdk("python"))?;
    let dir = project_dir(parent, name)?;
    write(&dir.join("app.py"), PY_TEMPLATE)?;
    manifest(&dir, name)?;
    build_script(
        &dir,
        &format!("{name}.wasm (componentize-py from PyPI)"),
        &format!(
            "command -v componentize-py >/dev/null 2>&1 || python3 -m pip install -q componentize-py==0.25.1\ncomponentize-py -d \"{wit}\" -w scenario componentize -p . -p \"{sdk}\" app -o {name}.wasm\n",
            wit = wit.display(),
            sdk = sdk.display()
        ),
        &format!("{name}.wasm"),
    )?;
    wasm_project_docs(
        &dir,
        name,
        "Python",
        "*.wasm\n__pycache__/\n",
        "Edit `app.py`: `options` holds the k6-style options and thresholds,\n`iteration()` what one virtual user does. `http.start()` runs requests\nconcurrently, `stream=True` reads server-sent events as they arrive\n(`res.events()`), and a `handle_summary` class method writes your own\nsummary files.",
    )?;
    Ok(dir)
}

fn new_js(parent: &Path, name: &str, sdk: Option<PathBuf>) -> Result<PathBuf, ScaffoldError> {
    let sdk = find_sdk(sdk, "js", "build.mjs")?;
    let dir = project_dir(parent, name)?;
    write(&dir.join("script.js"), JS_TEMPLATE)?;
    manifest(&dir, name)?;
    build_script(
        &dir,
        &format!("{name}.wasm (jco and QuickJS, from npm)"),
        &format!(
            "SDK=\"{sdk}\"\n[ -e \"$SDK/node_modules/.package-lock.json\" ] || (cd \"$SDK\" && npm install --no-audit --no-fund --loglevel=error)\nnode \"$SDK/build.mjs\" script.js {name}.wasm\n",
            sdk = sdk.display()
        ),
        &format!("{name}.wasm"),
    )?;
    wasm_project_docs(
        &dir,
        name,
        "JavaScript, written like a k6 script",
        "*.wasm\n",
        "Edit `script.js`: `options` holds the k6-style options and thresholds, the\ndefault export what one virtual user does. `k6`, `k6/http`, `k6/metrics`,\n`k6/data`, `k6/execution`, `k6/encoding` and `k6/crypto` imports work too, as\ndo `http.asyncRequest` (await it in an async default function),\n`http.cookieJar()`, `handleSummary` and, for server-sent events,\n`http.get(url, { stream: true }).events()`.",
    )?;
    Ok(dir)
}

fn new_c(parent: &Path, name: &str, sdk: Option<PathBuf>) -> Result<PathBuf, ScaffoldError> {
    let sdk = find_sdk(sdk, "c", "volley.h")?;
    let build = sdk
        .join("../../scripts/build-c.sh")
        .canonicalize()
        .map_err(|_| ScaffoldError::Sdk("c"))?;
    let dir = project_dir(parent, name)?;
    write(
        &dir.join(format!("{}.c", name.replace('-', "_"))),
        C_TEMPLATE,
    )?;
    manifest(&dir, name)?;
    build_script(
        &dir,
        &format!("{name}.wasm (Debian's clang-19 and wasi-libc)"),
        &format!("bash \"{}\" . {name}.wasm\n", build.display()),
        &format!("{name}.wasm"),
    )?;
    wasm_project_docs(
        &dir,
        name,
        "C",
        "*.wasm\n",
        &format!(
            "Every `.c` file here is compiled with Volley's C SDK (`volley.h`, in\n{}). `scenario_options()` holds the k6-style options and thresholds,\n`scenario_iteration()` what one virtual user does; `volley_start()` and\n`volley_wait()` run requests concurrently, `volley_next_event()` reads\nserver-sent events, and `scenario_handle_summary()` writes your own summary.",
            sdk.display()
        ),
    )?;
    Ok(dir)
}

/// The projects' scenario templates: real files under `engine/templates/`,
/// which the e2e tests scaffold, build and run (`volley new` in each
/// language), embedded so an installed binary carries them.
const TEMPLATE: &str = include_str!("../templates/lib.rs");
const PY_TEMPLATE: &str = include_str!("../templates/app.py");
const JS_TEMPLATE: &str = include_str!("../templates/script.js");
const C_TEMPLATE: &str = include_str!("../templates/scenario.c");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_names_languages_and_existing_dirs() {
        let tmp = std::env::temp_dir().join(format!("volley-scaffold-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).expect("temp dir");
        assert!(matches!(
            new_project(&tmp, "9x", "rust", None),
            Err(ScaffoldError::Name(_))
        ));
        assert!(matches!(
            new_project(&tmp, "ok", "cobol", None),
            Err(ScaffoldError::Language(_))
        ));
        let sdk = Some(tmp.clone());
        let dir = new_project(&tmp, "shop-test", "rust", sdk.clone()).expect("created");
        assert!(dir.join("src/lib.rs").exists() && dir.join("Cargo.toml").exists());
        let toml = std::fs::read_to_string(dir.join("volley.toml")).expect("volley.toml");
        let manifest = volley_registry::ScenarioManifest::from_toml(&toml).expect("valid");
        assert_eq!(manifest.name, "shop-test");
        let script = std::fs::read_to_string(dir.join("build.sh")).expect("build.sh");
        assert!(
            script.contains(
                "stamp \"${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/shop_test.wasm\" --manifest volley.toml"
            ),
            "{script}"
        );
        assert!(matches!(
            new_project(&tmp, "shop-test", "rust", sdk),
            Err(ScaffoldError::Exists(_))
        ));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
