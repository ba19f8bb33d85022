//! The guest's fiber stack: its size, and giving back the pages a parked
//! VU does not use.
//!
//! Every call into a guest runs on a fiber stack from wasmtime's pool, and
//! a page of it, once touched, stays resident for the rest of the run: the
//! pool trims neither a stack in use nor (with zeroing off) one given back.
//! A request goes about 8 KiB deeper into the stack than a sleep does, so a
//! VU that slept after a request held those pages for its whole sleep,
//! i.e. for most of its life in a typical `GET; sleep(1)` scenario. Before
//! a long sleep the host tells the kernel that the pages below the current
//! frame may go: nothing lives below the stack pointer, and the kernel
//! hands zeroed pages back when the next call reaches that deep again.

/// Usable size of a fiber stack (wasmtime's default, stated here because
/// the release below relies on it).
pub(crate) const FIBER_STACK: usize = 2 << 20;

/// The most stack a guest's own frames may take (wasmtime's default); the
/// rest of [`FIBER_STACK`] is for the host's frames.
pub(crate) const MAX_WASM_STACK: usize = 512 << 10;

/// Left alone below the marker in [`release_below_here`]'s frame: the rest
/// of that small frame and the call into `madvise` (tens of bytes). The
/// request path touches two pages below a sleep's frame; a larger margin
/// would keep them.
const MARGIN: usize = 1 << 10;

/// How far below the margin pages are given back. A host call is at most
/// `MAX_WASM_STACK` plus the host's own frames (tens of KiB) deep, so the
/// range stays inside the fiber's stack with more than a MiB to spare.
const RELEASE: usize = 128 << 10;

const _: () = assert!(MAX_WASM_STACK + (1 << 20) + MARGIN + RELEASE <= FIBER_STACK);

/// Give back the resident pages of the stack below the caller's frame.
///
/// Call only from a host function the guest called (it then runs on the
/// guest's fiber, whose size and depth bound the range, see [`RELEASE`])
/// and only before a wait long enough to be worth a system call (tens of
/// milliseconds): the pages come back as fresh zeroed pages, a few page
/// faults, on the next deeper call.
#[inline(never)]
pub(crate) fn release_below_here() {
    #[cfg(target_os = "linux")]
    {
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as usize;
        let page = rustix::param::page_size();
        let end = here.saturating_sub(MARGIN) & !(page - 1);
        let start = end.saturating_sub(RELEASE);
        if start == 0 {
            return;
        }
        // SAFETY: [start, end) lies below the current stack pointer (the
        // margin covers this function's frame and madvise's), inside this
        // fiber's stack (RELEASE + MARGIN + the deepest a host call can be
        // is less than FIBER_STACK, asserted above), and no thread but this
        // one uses this stack; memory below the stack pointer holds nothing
        // live, so discarding it (MADV_DONTNEED reads back as zeros) changes
        // no value a program can observe. A failure leaves the pages as they
        // were, which is harmless.
        #[allow(unsafe_code)]
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Resident pages of the `len` bytes below `addr`, by `mincore`.
    #[allow(unsafe_code)]
    fn resident_below(addr: usize, len: usize) -> usize {
        let page = rustix::param::page_size();
        let end = addr & !(page - 1);
        let start = end - len;
        let mut v = vec![0u8; len / page];
        // SAFETY: `v` has one byte per page of the range, which lies in this
        // thread's stack (see the caller).
        let r = unsafe { libc::mincore(start as *mut libc::c_void, len, v.as_mut_ptr()) };
        assert_eq!(r, 0, "mincore: {}", std::io::Error::last_os_error());
        v.iter().filter(|b| *b & 1 == 1).count()
    }

    /// Touch about `depth` bytes of stack below the caller.
    #[inline(never)]
    fn go_deep(depth: usize) -> u64 {
        let mut block = [0u8; 4096];
        std::hint::black_box(&mut block);
        block[0] = 1;
        let below = if depth > 4096 {
            go_deep(depth - 4096)
        } else {
            0
        };
        std::hint::black_box(block[0] as u64 + below)
    }

    #[test]
    fn pages_below_the_caller_are_given_back_and_its_own_kept() {
        // A thread of its own with a stack larger than the range given back,
        // as a fiber's is.
        let t = std::thread::Builder::new()
            .stack_size(FIBER_STACK)
            .spawn(|| {
                let keep = [7u8; 512];
                let here = std::hint::black_box(&keep) as *const _ as usize;
                assert_eq!(go_deep(48 << 10), 12);
                let before = resident_below(here - (4 << 10), 40 << 10);
                release_below_here();
                let after = resident_below(here - (4 << 10), 40 << 10);
                // The caller's own values are intact.
                assert!(std::hint::black_box(&keep).iter().all(|b| *b == 7));
                (before, after)
            })
            .expect("spawn");
        let (before, after) = t.join().expect("join");
        assert!(before >= 8, "the deep call touched {before} pages");
        assert_eq!(after, 0, "{after} of {before} pages still resident");
    }
}
