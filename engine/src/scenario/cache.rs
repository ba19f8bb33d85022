//! A cache of compiled components, so that a scenario is compiled once per
//! version of it and of Volley: an 18 MB Python component takes seconds to
//! compile, and reloading it takes milliseconds.
//!
//! Entries live in `$VOLLEY_CACHE_DIR`, else `$XDG_CACHE_HOME/volley`, else
//! `~/.cache/volley`; `VOLLEY_NO_CACHE=1` turns the cache off. The key
//! hashes the component's bytes, the engine's compatibility hash (which
//! covers the wasmtime version and every setting that shapes compiled
//! code) and Volley's version. A bad entry is recompiled, never fatal.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use wasmtime::Engine;
use wasmtime::component::Component;

fn dir() -> Option<PathBuf> {
    if std::env::var_os("VOLLEY_NO_CACHE").is_some() {
        return None;
    }
    if let Some(d) = std::env::var_os("VOLLEY_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("volley"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/volley"))
}

fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    // A second, differently seeded hash makes accidental collisions moot.
    let mut h2 = DefaultHasher::new();
    0x00C0_FFEE_u32.hash(&mut h2);
    bytes.hash(&mut h2);
    format!(
        "{:016x}{:016x}-{}.cwasm",
        h.finish(),
        h2.finish(),
        bytes.len()
    )
}

/// The compiled component from the cache, or compiled now (and cached).
pub(crate) fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
    let Some(dir) = dir() else {
        return Component::new(engine, bytes);
    };
    let path = dir.join(key(engine, bytes));
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of an engine
        // with the same compatibility hash (it is part of the file name, and
        // wasmtime checks it again when loading); the cache directory belongs
        // to the user running Volley, who trusts it as much as the binary.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        if let Ok(c) = loaded {
            return Ok(c);
        }
        let _ = std::fs::remove_file(&path);
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize() {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let stored = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&tmp, serialized))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if stored.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Ok(component)
}
