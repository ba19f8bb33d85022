"""Run action.yml's composite steps here, as a GitHub runner would, enough to
test them: `${{ }}` expressions over inputs, github and steps outputs, `if:`
conditions, GITHUB_OUTPUT/GITHUB_PATH/GITHUB_ACTION_PATH, bash `run:` steps.
`uses:` steps are not run: actions/cache reports a miss.

    python run-action.py ACTION_YML WORKDIR ACTION_PATH [NAME=VALUE ...]

NAME=VALUE are the action's inputs. Prints each step, then the outputs as
`output NAME=VALUE` lines; exits with the first failing step's exit code.
"""

import os
import re
import subprocess
import sys

import yaml


def main():
    action_file, work, action_path = sys.argv[1:4]
    given = dict(a.split("=", 1) for a in sys.argv[4:])
    action = yaml.safe_load(open(action_file))
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    unknown = set(given) - set(inputs)
    if unknown:
        sys.exit(f"unknown inputs: {sorted(unknown)}")
    inputs.update(given)
    github = {"action_ref": "", "action_repository": "", "action_path": action_path}
    steps = {}
    path_extra = []

    def value(name):
        parts = name.split(".")
        if parts[0] == "inputs":
            return inputs[parts[1]]
        if parts[0] == "github":
            return github[parts[1]]
        if parts[0] == "steps":
            return steps.get(parts[1], {}).get(parts[3], "")
        raise ValueError(f"unsupported expression: {name}")

    def evaluate(expr):
        """GitHub's expression language, the part action.yml uses."""
        tokens = re.findall(r"'[^']*'|&&|\|\||!=|==|[A-Za-z_][\w.-]*", expr)
        py = []
        for t in tokens:
            if t.startswith("'"):
                py.append(repr(t[1:-1]))
            elif t in ("&&", "||"):
                py.append({"&&": "and", "||": "or"}[t])
            elif t in ("!=", "=="):
                py.append(t)
            else:
                py.append(repr(value(t)))
        return eval(" ".join(py))  # noqa: S307 - tokens are literals only

    def interpolate(text):
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: str(evaluate(m.group(1))), str(text))

    code = 0
    for step in action["runs"]["steps"]:
        name = interpolate(step.get("name", step.get("id", "")))
        cond = step.get("if")
        if cond is not None and not evaluate(cond):
            print(f"step skipped: {name}")
            continue
        sid = step.get("id")
        if "uses" in step:
            print(f"step not run (uses {step['uses']}): {name}")
            if sid:
                steps[sid] = {"cache-hit": ""}
            continue
        print(f"step: {name}", flush=True)
        out_file = os.path.join(work, f"output-{len(steps)}-{sid or 'x'}")
        path_file = os.path.join(work, "github-path")
        open(out_file, "w").close()
        env = dict(os.environ)
        env.update({k: interpolate(v) for k, v in (step.get("env") or {}).items()})
        env.update({
            "GITHUB_OUTPUT": out_file,
            "GITHUB_PATH": path_file,
            "GITHUB_ACTION_PATH": action_path,
            "RUNNER_TOOL_CACHE": os.path.join(work, "toolcache"),
            "PATH": os.pathsep.join(path_extra + [os.environ["PATH"]]),
        })
        script = interpolate(step["run"])
        rc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], env=env).returncode
        outputs = {}
        for line in open(out_file):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                outputs[k] = v
        if sid:
            steps[sid] = outputs
        if os.path.exists(path_file):
            path_extra = [p.strip() for p in reversed(open(path_file).read().splitlines()) if p.strip()]
        if rc != 0:
            code = rc
            print(f"step failed with {rc}: {name}")
            break
    for k, v in action.get("outputs", {}).items():
        print(f"output {k}={interpolate(v['value'])}")
    sys.exit(code)


if __name__ == "__main__":
    main()
