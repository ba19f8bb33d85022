//! cgroup v2 directories, read as `docker stats` reads a container: CPU
//! from `cpu.stat` (`usage_usec`, every process of the cgroup and its
//! children), memory from `memory.current` minus the `inactive_file` of
//! `memory.stat` (page cache the kernel can drop at once, which docker
//! leaves out too).
//!
//! On a host that mounts cgroup v2 beside v1 controllers ("hybrid"), v2
//! directories have `cpu.stat` but no `memory.*`: memory is then the sum of
//! the resident memory of the cgroup's processes, and a note says so.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Reading;
use super::proc::Proc;

/// Where cgroup v2 is mounted when `/proc/self/mountinfo` does not say.
const DEFAULT_MOUNT: &str = "/sys/fs/cgroup";
/// Child cgroups walked for the process fallback, at most.
const MAX_WALK: usize = 256;

/// How memory is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Memory {
    /// `memory.current` − `inactive_file`.
    Controller,
    /// The RSS of every process in `cgroup.procs` of the tree.
    ProcessRss,
}

/// An opened cgroup v2 directory.
#[derive(Debug, Clone)]
pub struct Cgroup {
    dir: PathBuf,
    memory: Memory,
    proc: Proc,
}

impl Cgroup {
    /// Open `dir` (already resolved): it must have a readable `cpu.stat`.
    /// The note, if any, says memory comes from the processes.
    pub fn open(dir: &Path, proc: Proc) -> Result<(Cgroup, Option<String>), String> {
        if !dir.is_dir() {
            return Err(format!(
                "{} is not a directory; give a cgroup v2 directory, absolute or relative to {DEFAULT_MOUNT} \
                 (a process's is in /proc/PID/cgroup, the line starting 0::)",
                dir.display()
            ));
        }
        let cpu = std::fs::read_to_string(dir.join("cpu.stat")).map_err(|e| {
            format!(
                "cannot read {}/cpu.stat ({e}); give a cgroup v2 directory (one with cgroup.procs and cpu.stat)",
                dir.display()
            )
        })?;
        if parse_usage_usec(&cpu).is_none() {
            return Err(format!(
                "{}/cpu.stat has no usage_usec; is this a cgroup v2 directory?",
                dir.display()
            ));
        }
        let (memory, note) = if dir.join("memory.current").exists() {
            (Memory::Controller, None)
        } else {
            let note = format!(
                "{} has no memory.current (the memory controller is not enabled there, e.g. on a host \
                 with cgroup v1 controllers); its memory is the sum of its processes' resident memory",
                dir.display()
            );
            (Memory::ProcessRss, Some(note))
        };
        let cgroup = Cgroup {
            dir: dir.to_path_buf(),
            memory,
            proc,
        };
        Ok((cgroup, note))
    }

    /// CPU time and memory now.
    pub fn read(&self) -> io::Result<Reading> {
        let cpu = std::fs::read_to_string(self.dir.join("cpu.stat"))?;
        let usec = parse_usage_usec(&cpu).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "cpu.stat has no usage_usec")
        })?;
        let memory = match self.memory {
            Memory::Controller => {
                let current = std::fs::read_to_string(self.dir.join("memory.current"))?;
                let current: u64 = current.trim().parse().map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidData, "memory.current is not a number")
                })?;
                // memory.stat may be missing on old kernels: then all of it.
                let inactive = std::fs::read_to_string(self.dir.join("memory.stat"))
                    .ok()
                    .and_then(|s| stat_value(&s, "inactive_file"))
                    .unwrap_or(0);
                current.saturating_sub(inactive)
            }
            Memory::ProcessRss => self.process_rss(),
        };
        Ok(Reading {
            cpu: Some(Duration::from_micros(usec)),
            memory: Some(memory),
        })
    }

    /// The resident memory of every process of this cgroup and its
    /// children (a process that exits meanwhile counts 0).
    fn process_rss(&self) -> u64 {
        let mut total = 0;
        let mut dirs = vec![self.dir.clone()];
        let mut walked = 0;
        while let Some(dir) = dirs.pop() {
            walked += 1;
            if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                for pid in procs.split_whitespace() {
                    total += self.proc.rss_bytes(pid).unwrap_or(0);
                }
            }
            if walked >= MAX_WALK {
                break;
            }
            if let Ok(entries) = std::fs::read_dir(&dir) {
                dirs.extend(
                    entries
                        .flatten()
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                        .map(|e| e.path()),
                );
            }
        }
        total
    }
}

/// `usage_usec` of a `cpu.stat` file.
pub fn parse_usage_usec(text: &str) -> Option<u64> {
    stat_value(text, "usage_usec")
}

/// The value of `key` in a flat-keyed cgroup file (`key value` lines).
pub fn stat_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

/// The mount point of the cgroup v2 hierarchy in a mountinfo file
/// (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid host).
pub fn v2_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        if right.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        left.split_whitespace()
            .nth(4)
            .map(|m| PathBuf::from(unescape(m)))
    })
}

/// mountinfo writes spaces and a few other bytes as `\040`-style octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The system's cgroup v2 mount point.
pub fn system_mount() -> PathBuf {
    std::fs::read_to_string("/proc/self/mountinfo")
        .ok()
        .and_then(|m| v2_mount(&m))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MOUNT))
}

/// Where `--monitor cgroup=PATH` points: a relative path is under the
/// cgroup2 mount; so is an absolute one outside the mount that names a
/// cgroup there (`/system.slice/x.scope` or `/`, as `/proc/PID/cgroup`
/// writes them). Any other path is taken as given.
pub fn resolve(path: &Path, mount: &Path) -> PathBuf {
    if path.is_relative() {
        return mount.join(path);
    }
    if path.starts_with(mount) {
        return path.to_path_buf();
    }
    let inside = mount.join(path.strip_prefix("/").unwrap_or(path));
    if inside.join("cgroup.procs").exists() {
        inside
    } else {
        path.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("volley-cgroup-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn flat_keyed_files() {
        let cpu = "usage_usec 6172614825\nuser_usec 5530454129\nsystem_usec 642160696\n";
        assert_eq!(parse_usage_usec(cpu), Some(6_172_614_825));
        assert_eq!(parse_usage_usec("user_usec 5\n"), None);
        let mem = "anon 1000\nfile 5000\nactive_file 3000\ninactive_file 2000\n";
        assert_eq!(stat_value(mem, "inactive_file"), Some(2000));
        assert_eq!(stat_value(mem, "file"), Some(5000));
    }

    #[test]
    fn finds_the_v2_mount_on_unified_and_hybrid_hosts() {
        let unified =
            "29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(v2_mount(unified), Some(PathBuf::from("/sys/fs/cgroup")));
        let hybrid = "30 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
                      31 25 0:28 / /sys/fs/cgroup/my\\040unified rw - cgroup2 cgroup2 rw\n";
        assert_eq!(
            v2_mount(hybrid),
            Some(PathBuf::from("/sys/fs/cgroup/my unified"))
        );
        assert_eq!(v2_mount("22 1 0:5 / /proc rw - proc proc rw\n"), None);
    }

    #[test]
    fn relative_and_namespace_paths_resolve_under_the_mount() {
        let mount = temp("mount");
        std::fs::create_dir_all(mount.join("system.slice/app.scope")).expect("dirs");
        std::fs::write(mount.join("cgroup.procs"), "").expect("w");
        std::fs::write(mount.join("system.slice/app.scope/cgroup.procs"), "1\n").expect("w");
        assert_eq!(
            resolve(Path::new("system.slice/app.scope"), &mount),
            mount.join("system.slice/app.scope")
        );
        assert_eq!(
            resolve(Path::new("/system.slice/app.scope"), &mount),
            mount.join("system.slice/app.scope")
        );
        assert_eq!(resolve(&mount, &mount), mount);
        // `0::/`: the root of the hierarchy, not the filesystem's.
        assert_eq!(resolve(Path::new("/"), &mount), mount.join(""));
        assert_eq!(
            resolve(Path::new("/nope/x"), &mount),
            PathBuf::from("/nope/x")
        );
        // A directory elsewhere that is no cgroup there stays as given.
        let tmp = std::env::temp_dir();
        assert_eq!(resolve(&tmp, &mount), tmp);
        let _ = std::fs::remove_dir_all(&mount);
    }

    #[test]
    fn reads_cpu_and_memory_like_docker_stats() {
        let dir = temp("v2");
        std::fs::write(
            dir.join("cpu.stat"),
            "usage_usec 2500000\nuser_usec 2000000\n",
        )
        .expect("w");
        std::fs::write(dir.join("memory.current"), "10000000\n").expect("w");
        std::fs::write(
            dir.join("memory.stat"),
            "anon 6000000\ninactive_file 3000000\n",
        )
        .expect("w");
        let (cg, note) = Cgroup::open(&dir, Proc::at("/nonexistent", 100)).expect("open");
        assert!(note.is_none());
        let r = cg.read().expect("read");
        assert_eq!(r.cpu, Some(Duration::from_millis(2500)));
        assert_eq!(r.memory, Some(7_000_000));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_the_memory_controller_sums_the_processes() {
        let root = temp("hybrid");
        let (dir, procfs) = (root.join("cg"), root.join("proc"));
        for (pid, kb) in [("11", 100), ("12", 300), ("13", 50)] {
            std::fs::create_dir_all(procfs.join(pid)).expect("proc dir");
            std::fs::write(
                procfs.join(pid).join("status"),
                format!("VmRSS:\t{kb} kB\n"),
            )
            .expect("status");
        }
        std::fs::create_dir_all(dir.join("child")).expect("cgroup dirs");
        std::fs::write(dir.join("cpu.stat"), "usage_usec 1\n").expect("w");
        // 99 has exited: it counts nothing.
        std::fs::write(dir.join("cgroup.procs"), "11\n12\n99\n").expect("w");
        std::fs::write(dir.join("child/cgroup.procs"), "13\n").expect("w");
        let (cg, note) = Cgroup::open(&dir, Proc::at(&procfs, 100)).expect("open");
        assert!(note.is_some_and(|n| n.contains("no memory.current")));
        assert_eq!(cg.read().expect("read").memory, Some(450 * 1024));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn refuses_what_is_not_a_v2_cgroup() {
        let dir = temp("plain");
        let proc = Proc::at("/nonexistent", 100);
        let e = Cgroup::open(&dir, proc.clone()).expect_err("no cpu.stat");
        assert!(e.contains("cpu.stat") && e.contains("cgroup v2"), "{e}");
        let e = Cgroup::open(&dir.join("missing"), proc).expect_err("missing");
        assert!(e.contains("is not a directory") && e.contains("0::"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
