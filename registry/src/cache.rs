//! The local cache of pulled artifacts: blobs stored by digest, and an index
//! from tags to manifest digests so that offline runs resolve tags.
//!
//! Layout under the cache root (`…/volley/oci/`):
//!
//! ```text
//! blobs/sha256/<hex>                      manifests, configs, components, signatures
//! refs/<registry>/<repository>/_tags/<tag>  the manifest digest the tag last resolved to
//! ```
//!
//! `<registry>` has `:` replaced by `_` (`127.0.0.1_5000`). Every blob is
//! checked against its digest when read; a corrupt one is deleted and read
//! as absent. Writes go to a temporary file renamed into place, so a reader
//! never sees half a blob.

use std::path::{Path, PathBuf};

use crate::component::sha256_digest;
use crate::error::{Error, Result};
use crate::reference::{Reference, check_digest};

/// The content-addressed cache of pulled artifacts.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// The cache rooted at `root` (the directory that holds `blobs/` and
    /// `refs/`).
    pub fn at(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// The user's cache, like the engine's compile cache:
    /// `$VOLLEY_CACHE_DIR/oci`, else `$XDG_CACHE_HOME/volley/oci`, else
    /// `~/.cache/volley/oci`.
    pub fn user() -> Result<Cache> {
        Cache::default_root()
            .map(Cache::at)
            .ok_or(Error::NoCacheDir)
    }

    /// The default cache root, from the environment (see [`Cache::user`]).
    pub fn default_root() -> Option<PathBuf> {
        let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(d) = nonempty("VOLLEY_CACHE_DIR") {
            return Some(PathBuf::from(d).join("oci"));
        }
        if let Some(d) = nonempty("XDG_CACHE_HOME") {
            return Some(PathBuf::from(d).join("volley").join("oci"));
        }
        nonempty("HOME").map(|h| PathBuf::from(h).join(".cache").join("volley").join("oci"))
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with `digest` is (or would be) stored.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.root.join("blobs").join("sha256").join(hex)
    }

    /// The blob with `digest`, if cached and intact.
    pub fn read_blob(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        if check_digest(digest).is_err() {
            return Ok(None);
        }
        let path = self.blob_path(digest);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read cached blob", path, e)),
        };
        if sha256_digest(&bytes) != digest {
            // Corrupt (disk trouble, or edited by hand): drop it, fetch again.
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Stores `bytes`, which the caller has checked hash to `digest`.
    pub fn write_blob(&self, digest: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.blob_path(digest);
        write_atomically(&path, bytes)?;
        Ok(path)
    }

    /// The manifest digest `reference`'s tag last resolved to.
    pub fn resolve_tag(&self, reference: &Reference) -> Result<Option<String>> {
        let Some(path) = self.tag_path(reference) else {
            return Ok(None);
        };
        match std::fs::read_to_string(&path) {
            Ok(d) => {
                let d = d.trim().to_string();
                Ok(check_digest(&d).is_ok().then_some(d))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("cannot read cache index", path, e)),
        }
    }

    /// Records that `reference`'s tag resolves to `digest`.
    pub fn record_tag(&self, reference: &Reference, digest: &str) -> Result<()> {
        match self.tag_path(reference) {
            Some(path) => write_atomically(&path, digest.as_bytes()),
            None => Ok(()),
        }
    }

    fn tag_path(&self, reference: &Reference) -> Option<PathBuf> {
        let tag = reference.tag()?;
        let registry: String = reference
            .registry()
            .chars()
            .map(|c| if c == ':' { '_' } else { c })
            .collect();
        let mut path = self.root.join("refs").join(registry);
        for component in reference.repository().split('/') {
            path.push(component);
        }
        Some(path.join("_tags").join(tag))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create cache directory", dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and write, so concurrent writers never share one.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io("cannot write to the cache", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("cannot write to the cache", path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_and_tags_round_trip() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let cache = Cache::at(dir.path());
        let d = sha256_digest(b"hello");
        assert_eq!(cache.read_blob(&d)?, None);
        cache.write_blob(&d, b"hello")?;
        assert_eq!(cache.read_blob(&d)?.as_deref(), Some(&b"hello"[..]));
        // A corrupted blob reads as absent and is removed.
        std::fs::write(cache.blob_path(&d), b"hellO").map_err(|e| Error::io("w", "x", e))?;
        assert_eq!(cache.read_blob(&d)?, None);
        assert!(!cache.blob_path(&d).exists());

        let r = Reference::parse("oci://127.0.0.1:5000/a/b:v1")?;
        assert_eq!(cache.resolve_tag(&r)?, None);
        cache.record_tag(&r, &d)?;
        assert_eq!(cache.resolve_tag(&r)?, Some(d.clone()));
        assert!(dir.path().join("refs/127.0.0.1_5000/a/b/_tags/v1").exists());
        Ok(())
    }
}
