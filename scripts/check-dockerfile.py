"""What can be checked of the Dockerfile without a Docker engine.

Run by scripts/check-dockerfile.sh in its virtual environment (dockerfile-parse,
PyYAML): parses the Dockerfile, checks its stages, base images, build command,
user, entry point and labels, then rebuilds the build context as Docker would
(the repository's tracked files less .dockerignore) and checks that Cargo can
load the workspace from it and build the `volley` package with --locked.
Prints one line per check and "N passed, N failed".
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

from dockerfile_parse import DockerfileParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_COMMAND = "cargo build --release --locked -p volley"
USER_ID = "65532"

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAILED: {what}" + (f": {detail}" if detail else ""))


def stages(structure):
    """The Dockerfile's stages: (FROM value, [instructions])."""
    out = []
    for ins in structure:
        if ins["instruction"] == "FROM":
            out.append((ins["value"], []))
        elif out:
            out[-1][1].append(ins)
    return out


def image_ref(from_value):
    """'IMAGE[:TAG][@DIGEST] [AS NAME]' of a FROM, flags dropped."""
    words = [w for w in from_value.split() if not w.startswith("--")]
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    ref = words[0]
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    if ":" in ref.rsplit("/", 1)[-1]:
        ref, tag = ref.rsplit(":", 1)
    return ref, tag, digest, name


def run_commands(value):
    """The shell commands of a RUN: --flags dropped, split at && and ;."""
    text = value.replace("\\\n", " ")
    words = text.split()
    while words and words[0].startswith("--"):
        words.pop(0)
    text = " ".join(words)
    return [" ".join(c.split()) for c in re.split(r"&&|;", text) if c.strip()]


def dockerignore_patterns(path):
    pats = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            pat = line[1:] if negate else line
            pat = pat.strip("/")
            pats.append((negate, pattern_regex(pat)))
    return pats


def pattern_regex(pat):
    """A .dockerignore pattern as a regex over slash-separated paths."""
    out = ""
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pat.startswith("**", i):
            out += ".*"
            i += 2
        elif pat[i] == "*":
            out += "[^/]*"
            i += 1
        elif pat[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pat[i])
            i += 1
    return re.compile(out + r"\Z")


def ignored(path, pats):
    """Docker's rule: the last pattern that matches the path or a parent wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negate, rx in pats:
        if any(rx.match(p) for p in prefixes):
            result = not negate
    return result


def main():
    dockerfile = os.path.join(ROOT, "Dockerfile")
    check(os.path.exists(dockerfile), "Dockerfile at the repository root")
    check(os.path.exists(os.path.join(ROOT, ".dockerignore")), ".dockerignore at the repository root")
    hadolint = shutil.which("hadolint")
    if hadolint:
        lint = subprocess.run([hadolint, "--failure-threshold", "warning", dockerfile],
                              capture_output=True, text=True)
        check(lint.returncode == 0, "hadolint: no warning or error", (lint.stdout + lint.stderr).strip())
    else:
        check(False, "hadolint on PATH (tests/lib/requirements-tools.txt)")
    parser = DockerfileParser(path=dockerfile)
    st = stages(parser.structure)
    check(len(st) >= 2, "multi-stage (a build stage and a runtime stage)", f"{len(st)} stage(s)")
    if len(st) < 2:
        return

    toolchain = tomllib.load(open(os.path.join(ROOT, "rust-toolchain.toml"), "rb"))["toolchain"]["channel"]
    workspace = tomllib.load(open(os.path.join(ROOT, "Cargo.toml"), "rb"))
    rust_version = workspace["workspace"]["package"]["rust-version"]

    # Base images: named with a version, never latest, nothing left to an ARG.
    for value, _ in st:
        ref, tag, digest, _name = image_ref(value)
        pinned = (tag is not None and tag != "latest") or digest is not None
        check(pinned and "$" not in value, f"base image pinned: {value}")

    build_from, build = st[0]
    ref, tag, _, name = image_ref(build_from)
    check(ref in ("rust", "docker.io/library/rust"), "build stage on the official Rust image", ref)
    check(tag is not None and tag.startswith(toolchain + "-"),
          f"Rust image {tag} is rust-toolchain.toml's {toolchain}")
    check(toolchain.startswith(rust_version), f"workspace rust-version {rust_version} matches {toolchain}")
    check(bool(name), "build stage is named", build_from)

    runs = [run_commands(i["value"]) for i in build if i["instruction"] == "RUN"]
    commands = [c for r in runs for c in r]
    check(BUILD_COMMAND in commands, f"build stage runs exactly `{BUILD_COMMAND}`", "; ".join(commands))
    everything = [c for _, ins in st for i in ins if i["instruction"] == "RUN" for c in run_commands(i["value"])]
    check(not any("rustup target add" in c for c in everything),
          "no `rustup target add` (wasm32-wasip2 is for guests, not the engine)")
    env = " ".join(i["value"] for i in build if i["instruction"] == "ENV")
    check(f"RUSTUP_TOOLCHAIN={toolchain}" in env,
          "RUSTUP_TOOLCHAIN pins the image's toolchain (no download for rust-toolchain.toml's targets)", env)

    run_from, runtime = st[-1]
    rref, rtag, _, _ = image_ref(run_from)
    small = (rref == "debian" and rtag is not None and "slim" in rtag) or rref.startswith("gcr.io/distroless/")
    check(small, "runtime stage on a small base (Debian slim or distroless)", run_from)
    check(rtag is not None and ("bookworm" in rtag or rtag.startswith("12")) and "bookworm" in (tag or ""),
          "build and runtime images are both Debian 12 (bookworm): same glibc", f"{tag} / {rtag}")

    def last(instr):
        values = [i["value"] for i in runtime if i["instruction"] == instr]
        return values[-1] if values else None

    user = last("USER")
    uid = (user or "").split(":")[0]
    check(uid == USER_ID, f"runtime USER is the non-root uid {USER_ID} (numeric)", str(user))
    rt_runs = " ".join(c for i in runtime if i["instruction"] == "RUN" for c in run_commands(i["value"]))
    if rref == "debian":
        check(f"useradd --uid {USER_ID}" in rt_runs, f"a `volley` user with uid {USER_ID} exists in the image")
    entry = last("ENTRYPOINT")
    try:
        entry_json = json.loads(entry) if entry else None
    except json.JSONDecodeError:
        entry_json = None
    check(entry_json == ["volley"], 'ENTRYPOINT ["volley"] (exec form)', str(entry))
    check(last("WORKDIR") == "/work", "WORKDIR /work", str(last("WORKDIR")))
    copies = [i["value"] for i in runtime if i["instruction"] == "COPY"]
    check(any(c.startswith(f"--from={name} ") and c.split()[-1] in ("/usr/local/bin/volley", "/usr/local/bin/")
              for c in copies),
          "the binary is copied from the build stage onto PATH", "; ".join(copies))
    labels = parser.labels
    for key in ("title", "description", "source", "licenses", "version", "revision"):
        check(f"org.opencontainers.image.{key}" in labels, f"OCI label org.opencontainers.image.{key}")
    licence = workspace["workspace"]["package"]["license"]
    check(labels.get("org.opencontainers.image.licenses") == licence, f"licenses label is {licence}")

    # The build context, as Docker sends it: tracked files less .dockerignore.
    pats = dockerignore_patterns(os.path.join(ROOT, ".dockerignore"))
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    files = [f for f in files.decode().split("\0") if f]
    kept = [f for f in files if not ignored(f, pats)]
    check(len(kept) > 0, f"build context: {len(kept)} of {len(files)} tracked files")
    with tempfile.TemporaryDirectory() as ctx:
        for f in kept:
            src = os.path.join(ROOT, f)
            if not os.path.isfile(src):  # tracked but deleted in the work tree
                continue
            dst = os.path.join(ctx, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)

        # Every workspace member's manifest is in the context.
        members = workspace["workspace"]["members"]
        missing = [m for m in members if not os.path.exists(os.path.join(ctx, m, "Cargo.toml"))]
        check(not missing, "every workspace member's Cargo.toml is in the context", ", ".join(missing))

        # Files compiled into the engine (include_str!/include_bytes!) are too.
        embedded, absent = 0, []
        for crate in ("engine/src", "demo/src"):
            for dirpath, _, names in os.walk(os.path.join(ROOT, crate)):
                for n in names:
                    if not n.endswith(".rs"):
                        continue
                    path = os.path.join(dirpath, n)
                    text = open(path, encoding="utf-8").read()
                    for m in re.finditer(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)', text):
                        target = os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))
                        rel = os.path.relpath(target, ROOT)
                        embedded += 1
                        if not os.path.exists(os.path.join(ctx, rel)):
                            absent.append(rel)
        check(not absent, f"the {embedded} file(s) embedded with include_str!/include_bytes! are in the context",
              ", ".join(absent))

        # Cargo loads the workspace from the context; volley is a package with a
        # `volley` binary; Cargo.lock satisfies --locked.
        cargo = shutil.which("cargo")
        if cargo is None:
            check(False, "cargo on PATH (for cargo metadata)")
            return
        env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ctx, "target"), RUSTUP_TOOLCHAIN=toolchain)
        meta = subprocess.run([cargo, "metadata", "--no-deps", "--format-version", "1"],
                              cwd=ctx, env=env, capture_output=True, text=True)
        check(meta.returncode == 0, "cargo metadata --no-deps in the build context", meta.stderr.strip()[-400:])
        if meta.returncode == 0:
            pkgs = {p["name"]: p for p in json.loads(meta.stdout)["packages"]}
            volley = pkgs.get("volley")
            bins = [t["name"] for t in volley["targets"] if "bin" in t["kind"]] if volley else []
            check(volley is not None and "volley" in bins, "package `volley` with a `volley` binary in the workspace",
                  f"packages: {sorted(pkgs)}")
        locked = subprocess.run([cargo, "metadata", "--format-version", "1", "--locked", "--offline"],
                                cwd=ctx, env=env, capture_output=True, text=True)
        if locked.returncode == 0:
            check(True, "Cargo.lock resolves the context's workspace unchanged (--locked)")
        elif "offline" in locked.stderr or "not available" in locked.stderr or "download" in locked.stderr:
            print("note: the crates are not in Cargo's local cache here, so --locked was not checked offline:")
            print("      " + locked.stderr.strip().splitlines()[-1])
        else:
            check(False, "Cargo.lock resolves the context's workspace unchanged (--locked)",
                  locked.stderr.strip()[-400:])


if __name__ == "__main__":
    main()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
