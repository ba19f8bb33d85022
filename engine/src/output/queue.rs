//! A file every sample is written to (`--out json=`, `--out csv=`), by a
//! writer thread of its own: VUs hand batches over a bounded queue and
//! never wait for the disk. When the queue is full (the disk is slower than
//! the run) a batch is dropped and counted, and the count is reported at
//! the end as that output's failure: the file is incomplete, and says so.
//!
//! The file is created (truncated) when the first samples come, or at the
//! end of a run that made none: a run refused before its load (a bad input
//! found late, another output that cannot be written) leaves a file already
//! at the path as it was.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use super::{OutputError, RunInfo};
use crate::metrics::Sample;

/// Batches the queue holds before it drops (each up to a VU buffer, 256
/// samples): tens of MB at most.
const QUEUE_BATCHES: usize = 512;

/// Turns batches of samples into the bytes of one file format.
pub(crate) trait Encoder: Send + 'static {
    /// Bytes at the start of the file (a CSV header).
    fn header(&mut self, _out: &mut Vec<u8>) {}
    /// Append the encoding of `batch` to `out`.
    fn encode(&mut self, batch: &[Sample], out: &mut Vec<u8>);
}

enum Message {
    Batch(Arc<[Sample]>),
    /// The run is over: write the file (created if no sample came).
    End,
    /// The run stopped on an error: keep what was written (samples are
    /// measurements), create nothing if nothing came.
    Abandon,
}

/// A sample file and its writer thread.
pub(crate) struct SampleFile {
    flag: String,
    path: PathBuf,
    tx: OnceLock<SyncSender<Message>>,
    writer: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    dropped: Arc<AtomicU64>,
}

impl SampleFile {
    /// A file at `path` for the output `flag` (e.g. `--out json=x.json`).
    pub(crate) fn new(flag: String, path: PathBuf) -> Self {
        Self {
            flag,
            path,
            tx: OnceLock::new(),
            writer: Mutex::new(None),
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The output's flag.
    pub(crate) fn flag(&self) -> &str {
        &self.flag
    }

    /// Check that the file can be written (without touching one already
    /// there) and start the writer with `encoder`.
    pub(crate) fn start(
        &self,
        _run: &RunInfo<'_>,
        mut encoder: impl Encoder,
    ) -> Result<(), OutputError> {
        if self.path.exists() && !self.path.is_dir() {
            // Opened for writing, not truncated: a read-only file is
            // refused now, and a good one is kept until samples come.
            std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| {
                    OutputError::new(
                        &self.flag,
                        format!(
                            "{} cannot be written ({e}); make it writable or give another path",
                            self.path.display()
                        ),
                    )
                })?;
        } else {
            // A folder is refused here; a new file's folder is probed.
            super::check_writable(&self.flag, &self.path)?;
        }
        let (tx, rx) = sync_channel::<Message>(QUEUE_BATCHES);
        let path = self.path.clone();
        let thread = std::thread::Builder::new()
            .name("volley-output".into())
            .spawn(move || {
                let mut first = match rx.recv() {
                    Ok(Message::Abandon) | Err(_) => return Ok(()),
                    Ok(m) => Some(m),
                };
                let mut out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
                let mut buf = Vec::with_capacity(1 << 16);
                encoder.header(&mut buf);
                out.write_all(&buf)?;
                while let Some(Message::Batch(batch)) = first.take().or_else(|| rx.recv().ok()) {
                    buf.clear();
                    encoder.encode(&batch, &mut buf);
                    out.write_all(&buf)?;
                }
                out.flush()
            })
            .map_err(|e| OutputError::new(&self.flag, format!("cannot start its writer: {e}")))?;
        let _ = self.tx.set(tx);
        *self.writer.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread);
        Ok(())
    }

    /// Queue a batch; drop and count it when the queue is full.
    pub(crate) fn push(&self, batch: &Arc<[Sample]>) {
        let Some(tx) = self.tx.get() else { return };
        match tx.try_send(Message::Batch(batch.clone())) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            // The writer stopped on an error: reported at the end.
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Stop the writer: nothing is created if no sample came, and samples
    /// already written stay.
    pub(crate) fn abandon(&self) {
        let Some(tx) = self.tx.get() else { return };
        let _ = tx.send(Message::Abandon);
        let thread = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Write what is queued, close the file, and report a failed write or
    /// dropped samples.
    pub(crate) async fn finish(&self) -> Result<(), OutputError> {
        if let Some(tx) = self.tx.get() {
            // Waits only for the queue to have room: the run is over.
            let _ = tx.send(Message::End);
        }
        let thread = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let joined = tokio::task::spawn_blocking(move || thread.join()).await;
            match joined {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => {
                    return Err(OutputError::io(&self.flag, "write", &self.path, &e));
                }
                _ => return Err(OutputError::new(&self.flag, "its writer failed")),
            }
        }
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            return Err(OutputError::new(
                &self.flag,
                format!(
                    "{dropped} samples were dropped because {} could not be written as fast as the run made them; \
                     the file is incomplete (write to a faster disk, or use --results for complete aggregates)",
                    self.path.display()
                ),
            ));
        }
        Ok(())
    }
}
