"""Structural checks of the CI recipes in examples/ci: both files parse as YAML and have the
shape their CI needs, so that a typo shows here rather than in a user's first pipeline.

    lint.py ROOT        (the checkout; exit 0 when all checks pass, 1 with one line per problem)

GitHub Actions: `on` has pull_request, push and schedule; every job has runs-on and steps;
every step runs or uses one thing; every job that runs a syncdeploy step gets every secret
examples/quickstart.yaml reads with ${env:NAME}. GitLab: stages are declared, every job has
a declared stage, rules and a script. Both: every script a step calls exists in examples/ci.
"""
import os
import re
import sys

import yaml

root = sys.argv[1]
ci = os.path.join(root, "examples", "ci")
problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def load(name):
    path = os.path.join(ci, name)
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problem(name, f"does not parse as YAML: {e}")
        return None


# A command that names a shell script: the path as the CI runs it, from the repository root.
SCRIPT = re.compile(r"[\w./-]+\.sh\b")


def check_scripts(where, command):
    for path in SCRIPT.findall(command):
        if not path.startswith("examples/ci/"):
            problem(where, f"calls {path}, not a script of examples/ci")
        elif not os.path.isfile(os.path.join(root, path)):
            problem(where, f"calls {path}, which does not exist")


def commands(job_script):
    if isinstance(job_script, str):
        return [job_script]
    return [c for c in job_script or [] if isinstance(c, str)]


# The names the example spec reads from the environment: the secrets a job must be given.
with open(os.path.join(root, "examples", "quickstart.yaml"), encoding="utf-8") as f:
    spec_secrets = set(re.findall(r"\$\{env:(\w+)\}", f.read()))
if not spec_secrets:
    problem("examples/quickstart.yaml", "reads no ${env:...}: the secret check checks nothing")


def check_github(wf):
    name = "github-actions.yml"
    if not isinstance(wf, dict):
        return problem(name, "is not a mapping")
    # YAML 1.1 (PyYAML) reads the key `on` as true; GitHub reads it as "on".
    on = wf.get("on", wf.get(True))
    if isinstance(on, str):
        on = {on: None}
    elif isinstance(on, list):
        on = dict.fromkeys(on)
    if not isinstance(on, dict):
        return problem(name, "has no `on`")
    for event in ("pull_request", "push", "schedule"):
        if event not in on:
            problem(name, f"`on` has no {event}")
    schedule = on.get("schedule")
    if "schedule" in on and not (
        isinstance(schedule, list) and all(isinstance(s, dict) and "cron" in s for s in schedule)
    ):
        problem(name, "`on.schedule` is not a list of cron entries")
    jobs = wf.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return problem(name, "has no jobs")
    wf_env = wf.get("env") or {}
    for job_name, job in jobs.items():
        where = f"{name}: jobs.{job_name}"
        if not isinstance(job, dict):
            problem(where, "is not a mapping")
            continue
        if "runs-on" not in job:
            problem(where, "has no runs-on")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problem(where, "has no steps")
            continue
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            if need not in jobs:
                problem(where, f"needs {need}, which is not a job")
        runs_syncdeploy = False
        for i, step in enumerate(steps):
            at = f"{where}.steps[{i}]"
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                problem(at, "must have exactly one of run and uses")
                continue
            if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w.-]+@[\w.-]+", step["uses"]):
                problem(at, f"uses {step['uses']!r}, not owner/name@version")
            if "run" in step:
                check_scripts(at, step["run"])
                if re.search(r"examples/ci/(plan|apply|drift)\.sh", step["run"]):
                    runs_syncdeploy = True
        if runs_syncdeploy:
            env = {**wf_env, **(job.get("env") or {})}
            for secret in sorted(spec_secrets):
                if env.get(secret) != "${{ secrets.%s }}" % secret:
                    problem(where, f"does not get the secret {secret} as its environment variable")


GITLAB_KEYWORDS = {"stages", "variables", "default", "workflow", "include", "image", "services",
                   "before_script", "after_script", "cache", "pages"}


def check_gitlab(ci_file):
    name = "gitlab-ci.yml"
    if not isinstance(ci_file, dict):
        return problem(name, "is not a mapping")
    stages = ci_file.get("stages")
    if not isinstance(stages, list) or not stages:
        return problem(name, "declares no stages")
    jobs = {k: v for k, v in ci_file.items() if k not in GITLAB_KEYWORDS and not k.startswith(".")}
    if not jobs:
        return problem(name, "has no jobs")
    used = set()
    for job_name, job in jobs.items():
        where = f"{name}: {job_name}"
        if not isinstance(job, dict):
            problem(where, "is not a mapping")
            continue
        stage = job.get("stage")
        if stage not in stages:
            problem(where, f"stage {stage!r} is not declared in stages")
        used.add(stage)
        rules = job.get("rules")
        if not isinstance(rules, list) or not rules or not all(isinstance(r, dict) for r in rules):
            problem(where, "has no rules")
        if not commands(job.get("script")):
            problem(where, "has no script")
        for key in ("before_script", "script", "after_script"):
            for command in commands(job.get(key)):
                check_scripts(f"{where}.{key}", command)
        for need in job.get("needs", []):
            need = need.get("job") if isinstance(need, dict) else need
            if need not in jobs:
                problem(where, f"needs {need}, which is not a job")
    for stage in stages:
        if stage not in used:
            problem(name, f"stage {stage} has no job")


check_github(load("github-actions.yml"))
check_gitlab(load("gitlab-ci.yml"))
for p in problems:
    print(f"lint: {p}")
sys.exit(1 if problems else 0)
