//! Response bodies decoded per `Content-Encoding`, as k6 does: the codings
//! applied right to left, gzip (and x-gzip), deflate (zlib, or raw as some
//! servers send it), br and zstd; unknown codings leave the body as it is.

use std::io::Read;

use bytes::Bytes;

use crate::http::{ErrorKind, HttpError};

/// Largest decoded body: a small compressed body must not expand into
/// gigabytes (a "zip bomb").
const MAX_DECODED: u64 = 256 << 20;

/// The body decoded, or `None` when it has no coding to undo.
pub(super) fn decode(
    headers: &[(String, String)],
    body: Bytes,
) -> Result<Option<Bytes>, HttpError> {
    let Some((_, codings)) = headers.iter().find(|(k, _)| k == "content-encoding") else {
        return Ok(None);
    };
    if body.is_empty() {
        return Ok(None);
    }
    let mut out = body;
    let mut changed = false;
    for coding in codings.rsplit(',').map(|c| c.trim().to_ascii_lowercase()) {
        let decoded = match coding.as_str() {
            "gzip" | "x-gzip" => read_all(flate2::read::MultiGzDecoder::new(&out[..])),
            "deflate" => read_all(flate2::read::ZlibDecoder::new(&out[..]))
                .or_else(|_| read_all(flate2::read::DeflateDecoder::new(&out[..]))),
            "br" => read_all(brotli_decompressor::Decompressor::new(&out[..], 4096)),
            "zstd" => ruzstd::decoding::StreamingDecoder::new(&out[..])
                .map_err(|e| e.to_string())
                .and_then(read_all),
            "identity" | "" => continue,
            _ => continue,
        };
        out = Bytes::from(decoded.map_err(|why| {
            HttpError::new(
                ErrorKind::Decompression,
                format!("cannot decode the {coding} body: {why}"),
            )
        })?);
        changed = true;
    }
    Ok(changed.then_some(out))
}

fn read_all(reader: impl Read) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let n = reader
        .take(MAX_DECODED + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if n as u64 > MAX_DECODED {
        return Err(format!("it expands past {} MiB", MAX_DECODED >> 20));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn headers(coding: &str) -> Vec<(String, String)> {
        vec![("content-encoding".into(), coding.into())]
    }

    #[test]
    fn gzip_deflate_and_nothing() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"hello gzip").expect("write");
        let packed = Bytes::from(gz.finish().expect("finish"));
        let out = decode(&headers("gzip"), packed).expect("decodes");
        assert_eq!(out.as_deref(), Some(&b"hello gzip"[..]));

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"hello deflate").expect("write");
        let packed = Bytes::from(z.finish().expect("finish"));
        let out = decode(&headers("deflate"), packed).expect("decodes");
        assert_eq!(out.as_deref(), Some(&b"hello deflate"[..]));

        assert_eq!(decode(&[], Bytes::from_static(b"plain")).expect("ok"), None);
        let bad = decode(&headers("gzip"), Bytes::from_static(b"not gzip"));
        assert_eq!(bad.expect_err("fails").code(), 1701);
    }
}
