#!/usr/bin/env python3
"""Run Vantage's CI templates locally, their shell commands taken literally from the YAML (needs PyYAML).

usage:
  ci_template.py github ACTION_YML [--input K=V]... [--env K=V]... [--runner-temp DIR] [--clean-env]
  ci_template.py gitlab SNIPPET_YML --job NAME [--var K=V]... [--script CMD]... [--shell bash|sh] [--clean-env]

github: runs a composite action's `run` steps in order, each as Actions does with `shell: bash`
  (bash --noprofile --norc -eo pipefail FILE). A step's env is the job env (--env) plus GITHUB_ENV entries plus the
  step's `env:`, with ${{ inputs.X }} (--input, then the input's default; a required input missing is an error)
  and ${{ steps.ID.outputs.X }} substituted. RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ENV, GITHUB_ACTION_PATH
  and GITHUB_WORKSPACE (the current dir) are set; GITHUB_PATH entries are prepended to PATH for later steps. Step
  stdout goes to stderr; at the end the action's outputs are printed as one JSON object on stdout (also after a
  failure, with what ran). Exit status: the first failing step's (later steps do not run).
gitlab: runs the job's before_script, then the --script lines (default: the job's script), in one shell session
  failing on the first error (bash -eo pipefail, or sh -e with --shell sh), with the job's `variables:` overridden
  by --var. Output passes through; exit status is the shell's.

Anything it does not emulate is refused, not approximated: other ${{ }} expressions, ${{ }} inside `run:` (that
would be script injection in the template), `uses:`/`if:`/other step keys, other shells, unknown inputs, variable
references in GitLab `variables:`, GitLab job keys that change what runs. Refusals and harness errors exit 125.
--clean-env starts from PATH, HOME, LANG, LC_ALL, TMPDIR and USER instead of this process's whole environment.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.exit("ci_template.py: PyYAML is missing for %s; run it with /usr/bin/python3 (python3-yaml)" % sys.executable)

HARNESS_ERROR = 125
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
INPUT_REF = re.compile(r"inputs\.([A-Za-z_][A-Za-z0-9_-]*)")
STEP_REF = re.compile(r"steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)")
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")


class Refused(Exception):
    pass


def pairs(items, flag):
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise Refused("%s wants K=V, got %r" % (flag, item))
        out[key] = value
    return out


def scalar(value, where):
    """A YAML scalar as the string Actions/GitLab would see."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    raise Refused("%s: not a scalar: %r" % (where, value))


def base_env(clean):
    env = dict(os.environ)
    if clean:
        env = {k: v for k, v in env.items() if k in KEEP_ENV}
    return env


def load(path):
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except yaml.YAMLError as e:  # e.g. GitLab's !reference tag: not emulated
        raise Refused("%s: YAML this harness does not read: %s" % (path, e))


# ---- GitHub composite action -------------------------------------------------------------------------------

def substitute(text, inputs, steps, where):
    """Substitute the two supported expressions; refuse any other (or an unclosed one)."""
    text = scalar(text, where)

    def repl(match):
        expr = match.group(1).strip()
        m = INPUT_REF.fullmatch(expr)
        if m:
            name = m.group(1).lower()  # contexts are case-insensitive in Actions
            if name not in inputs:
                raise Refused("%s: ${{ %s }}: the action declares no input %s" % (where, expr, name))
            return inputs[name]
        m = STEP_REF.fullmatch(expr)
        if m:
            sid, name = m.group(1).lower(), m.group(2).lower()
            if sid not in steps:
                raise Refused("%s: ${{ %s }}: no earlier step has id %s" % (where, expr, sid))
            return steps[sid].get(name, "")  # an unset output is empty, as in Actions
        raise Refused("%s: unsupported expression ${{ %s }}" % (where, expr))

    if "${{" in EXPR.sub("", text):
        raise Refused("%s: unclosed ${{ in %r" % (where, text))
    return EXPR.sub(repl, text)


def file_command(path):
    """Parse a GITHUB_OUTPUT/GITHUB_ENV file: `k=v` lines and `k<<DELIM ... DELIM` blocks."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    values, i = {}, 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line:
            continue
        eq, hd = line.find("="), line.find("<<")
        if hd >= 0 and (eq < 0 or hd < eq):
            key, delim, block = line[:hd], line[hd + 2:], []
            while i < len(lines) and lines[i].rstrip("\r") != delim:
                block.append(lines[i].rstrip("\r"))
                i += 1
            if i >= len(lines):
                raise Refused("%s: %s<<%s is never closed" % (path, key, delim))
            i += 1
            values[key] = "\n".join(block)
        elif eq > 0:
            values[line[:eq]] = line[eq + 1:]
        else:
            raise Refused("%s: invalid line %r" % (path, line))
    return values


def run_github(args):
    action = load(args.file)
    if not isinstance(action, dict) or (action.get("runs") or {}).get("using") != "composite":
        raise Refused("%s: not a composite action" % args.file)
    declared = {}
    for name, spec in (action.get("inputs") or {}).items():
        declared[name.lower()] = spec or {}
    given = {k.lower(): v for k, v in pairs(args.input, "--input").items()}
    for name in given:
        if name not in declared:
            raise Refused("--input %s: the action declares no such input" % name)
    inputs = {}
    for name, spec in declared.items():
        if name in given:
            inputs[name] = given[name]
        elif "default" in spec:
            default = scalar(spec["default"], "inputs.%s.default" % name)
            if "${{" in default:
                raise Refused("inputs.%s.default: expressions in defaults are not emulated" % name)
            inputs[name] = default
        elif spec.get("required"):
            raise Refused("required input %s is missing (pass --input %s=...)" % (name, name))
        else:
            inputs[name] = ""

    job_env = base_env(args.clean_env)
    for key in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STATE", "RUNNER_TEMP"):
        job_env.pop(key, None)
    job_env.update(pairs(args.env, "--env"))
    temp = args.runner_temp or tempfile.mkdtemp(prefix="runner-temp-")
    os.makedirs(temp, exist_ok=True)
    commands = tempfile.mkdtemp(prefix="file-commands-")  # outside RUNNER_TEMP, as the runner keeps its own
    job_env.update({
        "RUNNER_TEMP": temp, "GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_OS": "Linux",
        "GITHUB_WORKSPACE": os.getcwd(), "GITHUB_ACTION_PATH": os.path.dirname(os.path.abspath(args.file)),
    })
    added_paths, github_env, steps, status = [], {}, {}, 0
    try:
        for index, step in enumerate(action["runs"].get("steps") or []):
            where = "step %d" % (index + 1)
            extra = set(step) - {"id", "name", "shell", "run", "env"}
            if extra:
                raise Refused("%s: keys not emulated: %s" % (where, ", ".join(sorted(extra))))
            if step.get("shell") != "bash":
                raise Refused("%s: shell %r not emulated (only bash)" % (where, step.get("shell")))
            run = step.get("run")
            if not isinstance(run, str):
                raise Refused("%s: no run script" % where)
            if "${{" in run:
                raise Refused("%s: ${{ }} inside run: is script injection; pass it through env:" % where)
            sid = str(step.get("id") or "__step%d" % index).lower()
            env = dict(job_env)
            env.update(github_env)
            for key, value in (step.get("env") or {}).items():
                env[str(key)] = substitute(value, inputs, steps, "%s env %s" % (where, key))
            env["PATH"] = os.pathsep.join(list(reversed(added_paths)) + [env.get("PATH", os.defpath)])
            files = {}
            for key in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV"):
                files[key] = env[key] = os.path.join(commands, "%s_%d" % (key.lower(), index))
                open(files[key], "w").close()
            script = os.path.join(commands, "step_%d.sh" % index)
            with open(script, "w") as f:
                f.write(run)
            print("ci_template: == %s (%s)" % (step.get("name") or sid, sid), file=sys.stderr, flush=True)
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                                  env=env, stdout=sys.stderr.fileno()).returncode
            steps[sid] = {k.lower(): v for k, v in file_command(files["GITHUB_OUTPUT"]).items()}
            github_env.update(file_command(files["GITHUB_ENV"]))
            with open(files["GITHUB_PATH"], encoding="utf-8") as f:
                added_paths += [line.rstrip("\r") for line in f.read().split("\n") if line.strip()]
            if code != 0:
                status = code if code > 0 else 128 - code
                print("ci_template: %s failed with status %d" % (sid, status), file=sys.stderr)
                break
        # A step that did not run (after a failure) has no outputs: a reference to it is empty, not refused.
        known = {str(s.get("id")).lower(): {} for s in action["runs"].get("steps") or [] if s.get("id")}
        known.update(steps)
        outputs = {}
        for name, spec in (action.get("outputs") or {}).items():
            outputs[name] = substitute((spec or {}).get("value", ""), inputs, known, "outputs.%s" % name)
        print(json.dumps(outputs, indent=2, sort_keys=True))
        return status
    finally:
        shutil.rmtree(commands, ignore_errors=True)
        if not args.runner_temp:
            shutil.rmtree(temp, ignore_errors=True)


# ---- GitLab CI snippet -------------------------------------------------------------------------------------

def script_lines(value, where):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    lines = []
    for item in value:
        if isinstance(item, list):  # GitLab flattens one level of nesting
            lines += script_lines(item, where)
        elif isinstance(item, str):
            lines.append(item)
        else:
            raise Refused("%s: not a command: %r" % (where, item))
    return lines


def run_gitlab(args):
    doc = load(args.file)
    job = (doc or {}).get(args.job) if isinstance(doc, dict) else None
    if not isinstance(job, dict):
        raise Refused("%s: no job %s" % (args.file, args.job))
    extra = set(job) - {"variables", "before_script", "script", "image", "stage", "tags"}
    if extra:
        raise Refused("job %s: keys not emulated: %s" % (args.job, ", ".join(sorted(extra))))
    env = base_env(args.clean_env)
    for key, value in (job.get("variables") or {}).items():
        expand = True
        if isinstance(value, dict):
            expand = value.get("expand", True) is not False
            value = value.get("value", "")
        value = scalar(value, "variables.%s" % key)
        if expand and "$" in value:
            raise Refused("variables.%s: variable references are not emulated" % key)
        env[str(key)] = value
    env.update(pairs(args.var, "--var"))
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": os.getcwd(), "CI_JOB_NAME": args.job})
    lines = script_lines(job.get("before_script"), "before_script")
    lines += list(args.script) if args.script else script_lines(job.get("script"), "script")
    with tempfile.TemporaryDirectory(prefix="gitlab-job-") as tmp:
        script = os.path.join(tmp, "job.sh")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if args.shell == "bash" else ["sh", "-e"]
        code = subprocess.run(shell + [script], env=env).returncode
    return code if code >= 0 else 128 - code


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    gh = sub.add_parser("github", help="run a composite action.yml")
    gh.add_argument("file")
    gh.add_argument("--input", action="append", default=[], metavar="K=V")
    gh.add_argument("--env", action="append", default=[], metavar="K=V", help="job env")
    gh.add_argument("--runner-temp", metavar="DIR", help="use (and keep) this RUNNER_TEMP")
    gh.add_argument("--clean-env", action="store_true")
    gl = sub.add_parser("gitlab", help="run a job of a GitLab CI snippet")
    gl.add_argument("file")
    gl.add_argument("--job", required=True)
    gl.add_argument("--var", action="append", default=[], metavar="K=V")
    gl.add_argument("--script", action="append", default=[], metavar="CMD")
    gl.add_argument("--shell", choices=["bash", "sh"], default="bash")
    gl.add_argument("--clean-env", action="store_true")
    args = parser.parse_args()
    try:
        return run_github(args) if args.mode == "github" else run_gitlab(args)
    except Refused as e:
        print("ci_template: refused: %s" % e, file=sys.stderr)
        return HARNESS_ERROR


if __name__ == "__main__":
    sys.exit(main())
