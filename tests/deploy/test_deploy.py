"""What ships in deploy/ (and what docs/deployment.md says of it), checked without a cluster,
Docker or network: the Flex Template's parameters against newsbeam's options (drift, either
way), its entry point, Dataflow jobs built offline (dry run, needs apache-beam[gcp]), and the
Flink manifests: every YAML file parses, one Flink/Beam/Python version everywhere, and every
command that starts newsbeam names options it accepts.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path

import apache_beam
import pytest
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions
from newsbeam.pipelines import flex_template
from newsbeam.pipelines.cli import main
from newsbeam.pipelines.flex_template import TemplateError, template_argv
from newsbeam.pipelines.options import (
    FOLLOW_ONLY_OPTIONS,
    add_arguments,
    add_runner_options,
    newsbeam_arguments,
)

from tests.support.paths import REPO

ROOT = REPO
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "flink" / "k8s"
COMPOSE = DEPLOY / "flink" / "compose.yaml"
METADATA = DEPLOY / "dataflow" / "metadata.json"
DOCS = ROOT / "docs"
DEPLOYMENT_DOC = DOCS / "deployment.md"

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the checks that read pyproject.toml are skipped
    tomllib = None


def pyproject() -> dict:
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs Python 3.11 (tomllib)")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def text_files() -> list[Path]:
    """Every deployment file and the documentation: where versions and images are named.
    (The README names none; it links to docs/deployment.md.)"""
    files = [*sorted(DOCS.glob("*.md")), ROOT / "pyproject.toml", ROOT / ".dockerignore"]
    files += [p for p in sorted(DEPLOY.rglob("*")) if p.is_file()]
    return files


def yaml_files() -> list[Path]:
    return sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])


def yaml_docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def k8s_objects() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml_docs(path):
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def the(kind: str) -> dict:
    [doc] = [doc for (k, _), doc in k8s_objects().items() if k == kind]
    return doc


def compose() -> dict:
    [doc] = yaml_docs(COMPOSE)
    return doc


def metadata() -> dict:
    return json.loads(METADATA.read_text())


def accepted_parser() -> argparse.ArgumentParser:
    """The parser a newsbeam submission to a Flink job server ends up with: newsbeam's and
    every Beam Python option, plus what the job server adds."""
    captured = {}

    def add_job_server_options(parser):
        add_arguments(parser)
        add_runner_options(parser)
        captured["parser"] = parser

    PipelineOptions([]).get_all_options(add_extra_args_fn=add_job_server_options)
    return captured["parser"]


def accepted_option_names() -> set[str]:
    return {s[2:] for s in accepted_parser()._option_string_actions if s.startswith("--")}


def parse_newsbeam(argv: list[str]) -> argparse.Namespace:
    """`newsbeam run ...` arguments -> their values; fails on an option nobody accepts."""
    assert argv[0] == "run", argv
    try:
        known, unknown = accepted_parser().parse_known_args(argv[1:])
    except SystemExit:  # argparse: a value of the wrong type
        pytest.fail(f"newsbeam would refuse: {shlex.join(argv)}")
    assert unknown == [], f"options newsbeam does not accept: {unknown} in {shlex.join(argv)}"
    return known


# ---------------------------------------------------------------------------------------------
# Dataflow: the Flex Template's parameters are newsbeam's options, no more, no fewer

def user_facing_options() -> set[str]:
    return {action.dest for action in newsbeam_arguments()} - set(FOLLOW_ONLY_OPTIONS)


def test_every_user_facing_option_is_a_template_parameter():
    missing = user_facing_options() - {p["name"] for p in metadata()["parameters"]}
    assert not missing, (
        f"options in pipelines/options.py with no parameter in deploy/dataflow/metadata.json: "
        f"{sorted(missing)}. Add them there (name, label, helpText, isOptional, regexes), or, "
        f"if only follow mode reads them, to FOLLOW_ONLY_OPTIONS.")


def test_every_template_parameter_is_an_option_newsbeam_accepts():
    params = [p["name"] for p in metadata()["parameters"]]
    assert len(params) == len(set(params)), "a parameter is declared twice"
    unknown = set(params) - accepted_option_names()
    assert not unknown, f"metadata.json declares parameters newsbeam does not accept: {unknown}"
    follow_only = set(params) & set(FOLLOW_ONLY_OPTIONS)
    assert not follow_only, f"follow-mode options in the template: {follow_only}"


def test_follow_only_options_exist():
    stale = set(FOLLOW_ONLY_OPTIONS) - {action.dest for action in newsbeam_arguments()}
    assert not stale, f"FOLLOW_ONLY_OPTIONS names options that no longer exist: {stale}"


def test_template_parameters_are_well_formed():
    actions = {action.dest: action for action in newsbeam_arguments()}
    spec = metadata()
    assert spec["name"] and spec["description"]
    for param in spec["parameters"]:
        name = param["name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert isinstance(param["label"], str) and param["label"], name
        assert isinstance(param["helpText"], str) and len(param["helpText"]) > 20, name
        assert isinstance(param["isOptional"], bool), name
        regexes = [re.compile(r) for r in param.get("regexes", [])]
        # what a user would type: the default, and the help text's example
        samples = re.findall(r"Example: (\S+)", param["helpText"])
        action = actions.get(name)
        # a template parameter left out means newsbeam's default, which must then be valid
        if name in flex_template.SWITCHES:
            samples += ["true", "false"]
        elif action is not None and action.default is not None and param["isOptional"]:
            samples.append(f"{action.default:g}" if isinstance(action.default, float)
                           else str(action.default))
        for sample in samples:
            assert all(r.fullmatch(sample) for r in regexes), (name, sample)
            argv = template_argv([f"--{name}={sample}"], env={})
            parse_newsbeam(["run", *argv])


def test_values_with_a_form_have_a_regex():
    for param in metadata()["parameters"]:
        assert param.get("regexes"), f"{param['name']}: no regexes"


# ---------------------------------------------------------------------------------------------
# Dataflow: the template's entry point submits and returns

def test_the_entry_point_submits_to_dataflow_and_does_not_wait():
    argv = template_argv(["--output=gs://b/news", "--streaming=true", "--project=p"],
                         env={"NEWSBEAM_SDK_IMAGE": "europe-docker.pkg.dev/p/r/newsbeam-sdk:0.1.0"})
    assert argv == ["--output=gs://b/news", "--streaming", "--project=p",
                    "--runner=DataflowRunner", "--no_wait_until_finish",
                    "--sdk_container_image=europe-docker.pkg.dev/p/r/newsbeam-sdk:0.1.0"]


def test_the_entry_point_keeps_what_the_launch_gives():
    argv = template_argv(["--streaming=false", "--runner=DataflowRunner",
                          "--sdk_container_image=other:1"], env={"NEWSBEAM_SDK_IMAGE": "x:1"})
    assert argv == ["--runner=DataflowRunner", "--sdk_container_image=other:1",
                    "--no_wait_until_finish"]


@pytest.mark.parametrize("bad", ["--follow=true", "--state=gs://b/s", "--streaming=maybe"])
def test_the_entry_point_refuses_what_no_dataflow_job_uses(bad, capsys):
    with pytest.raises(TemplateError):
        template_argv([bad], env={})
    assert flex_template.main([bad]) == 2
    assert "newsbeam:" in capsys.readouterr().err


def test_the_launcher_file_calls_the_entry_point():
    launcher = (DEPLOY / "dataflow" / "main.py").read_text()
    assert "from newsbeam.pipelines.flex_template import main" in launcher
    dockerfile = (DEPLOY / "dataflow" / "Dockerfile").read_text()
    [py_file] = re.findall(r"FLEX_TEMPLATE_PYTHON_PY_FILE=(\S+)", dockerfile)
    assert f"COPY deploy/dataflow/main.py {py_file}" in dockerfile


def test_a_batch_run_that_does_not_wait_returns_without_a_summary(tmp_path, capsys):
    """--no_wait_until_finish: the path a Flex Template launch takes (here on the local runner,
    which happens to finish before returning)."""
    assert main(["run", "--output", str(tmp_path), "--no_wait_until_finish"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("submitted: run ") and "summary.json" in printed
    assert "records written" not in printed


@pytest.mark.parametrize("where", [["--job_endpoint=embed"], ["--environment_type=LOOPBACK"]])
def test_not_waiting_is_refused_where_the_job_lives_in_this_process(where, tmp_path, capsys):
    argv = ["run", "--runner=PortableRunner", *where, "--output", str(tmp_path),
            "--no_wait_until_finish"]
    assert main(argv) == 2
    assert "would stop when newsbeam exits" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Dataflow: both jobs built offline with the Dataflow runner

def _gcp_missing() -> str | None:
    """The first module of apache-beam[gcp] that the Dataflow runner needs and cannot find."""
    for module in ("apitools", "google.cloud.storage", "google.cloud.dataflow_v1beta3"):
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except ModuleNotFoundError:
            return module
    return None


needs_gcp = pytest.mark.skipif(
    _gcp_missing() is not None,
    reason=f"apache-beam[gcp] is not installed ({_gcp_missing()} missing): "
           "pip install -e '.[test]' (or '.[gcp]') to build the Dataflow jobs offline")

LAUNCH = ["--project=newsbeam-test", "--region=europe-west1",
          "--temp_location=gs://newsbeam-test/tmp", "--staging_location=gs://newsbeam-test/staging",
          "--dry_run=True"]


@pytest.mark.dataflow
@needs_gcp
@pytest.mark.parametrize("streaming, job_type", [("false", "JOB_TYPE_BATCH"),
                                                 ("true", "JOB_TYPE_STREAMING")])
def test_dataflow_dry_run_builds_the_job_the_template_launches(streaming, job_type, monkeypatch,
                                                               capsys):
    from apache_beam.portability.api import beam_runner_api_pb2
    from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner

    built = []
    run_pipeline = DataflowRunner.run_pipeline

    def keep(self, *args, **kwargs):
        result = run_pipeline(self, *args, **kwargs)
        built.append(result)
        return result

    monkeypatch.setattr(DataflowRunner, "run_pipeline", keep)
    monkeypatch.setenv("NEWSBEAM_SDK_IMAGE", "europe-west1-docker.pkg.dev/p/r/newsbeam-sdk:0.1.0")
    # as the launcher calls it: template parameters, then the launch environment's options
    status = flex_template.main(["--output=gs://newsbeam-test/news", f"--streaming={streaming}",
                                 "--interval=600", *LAUNCH])
    assert status == 0
    assert "dry run: the job was built and not run" in capsys.readouterr().out
    [result] = built
    assert result.job.proto.type.name == job_type
    images = {beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image
              for env in result.job.proto_pipeline.components.environments.values()
              if env.urn == "beam:env:docker:v1"}
    assert images == {"europe-west1-docker.pkg.dev/p/r/newsbeam-sdk:0.1.0"}
    names = {t.unique_name for t in result.job.proto_pipeline.components.transforms.values()}
    assert "WriteItems" in names and "WriteDeadLetters" in names
    assert ("PollFeeds" in names) == (streaming == "true")


@pytest.mark.dataflow
@needs_gcp
def test_dataflow_dry_run_from_the_command_line(capsys):
    """The direct path (deploy/dataflow/submit.sh) builds the unbounded job too."""
    assert main(["run", "--streaming", "--runner=DataflowRunner",
                 "--output=gs://newsbeam-test/news", *LAUNCH]) == 0
    assert "dry run" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Manifests: they parse, and name one set of versions and images

@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_parses(path):
    assert yaml_docs(path), f"{path} is empty"


def test_metadata_is_json():
    assert metadata()["parameters"]


def pinned_flink() -> str:
    major, minor = re.fullmatch(r"v(\d+)_(\d+)", the("FlinkDeployment")["spec"]["flinkVersion"]).groups()
    return f"{major}.{minor}"


def beam_version() -> str:
    [pin] = [d for d in pyproject()["project"]["dependencies"] if d.startswith("apache-beam")]
    return pin.split("==")[1]


def test_one_flink_version_everywhere_and_beam_publishes_it():
    flink = pinned_flink()
    assert flink in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    patterns = [r"flinkVersion:\s*v(\d+)_(\d+)", r"\bflink:(\d+\.\d+)", r"beam_flink(\d+\.\d+)_job_server",
                r"\bFlink (\d+\.\d+)\b"]
    seen = {}
    for path in text_files():
        text = path.read_text()
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                version = ".".join(match.groups())
                seen.setdefault(version, set()).add(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert set(seen) == {flink}, {v: sorted(where) for v, where in seen.items() if v != flink}
    doc = DEPLOYMENT_DOC.read_text()
    for fact in (f"Flink {flink}", f"apache/beam_flink{flink}_job_server:{beam_version()}",
                 f"v{flink.replace('.', '_')}"):
        assert fact in doc, f"docs/deployment.md does not say {fact}"


def test_one_beam_and_python_version_everywhere():
    beam = beam_version()
    assert apache_beam.__version__ == beam
    beams, pythons = {}, {}
    for path in text_files():
        text = path.read_text()
        where = str(path.relative_to(ROOT))
        for match in re.finditer(r"apache-beam(?:\[[\w,]+\])?==([\w.]+)", text):
            beams.setdefault(match.group(1), set()).add(where)
        for match in re.finditer(r"apache/beam_python(\d\.\d+)_sdk:([\w.]+)", text):
            pythons.setdefault(match.group(1), set()).add(where)
            beams.setdefault(match.group(2), set()).add(where)
        for match in re.finditer(r"_job_server:([\w.]+)", text):
            beams.setdefault(match.group(1), set()).add(where)
        for match in re.finditer(r"python(\d)(\d+)-template-launcher-base", text):
            pythons.setdefault(".".join(match.groups()), set()).add(where)
    assert set(beams) == {beam}, beams
    assert len(pythons) == 1, pythons
    [python] = pythons
    doc = DEPLOYMENT_DOC.read_text()
    assert f"apache/beam_python{python}_sdk:{beam}" in doc
    assert f"Python {python}" in doc


def test_newsbeam_images_carry_the_package_version():
    version = pyproject()["project"]["version"]
    tags = {}
    for path in text_files():
        for match in re.finditer(r"newsbeam-(?:sdk|template):([^\s\"'`,)#]+)", path.read_text()):
            tag = match.group(1)
            if "$" not in tag:  # ${_TAG}, $VERSION: defaults checked below
                tags.setdefault(tag, set()).add(str(path.relative_to(ROOT)))
    assert set(tags) == {version}, tags
    cloudbuild = yaml_docs(DEPLOY / "dataflow" / "cloudbuild.yaml")[0]
    assert cloudbuild["substitutions"]["_TAG"] == version
    script = (DEPLOY / "dataflow" / "flex-template.sh").read_text()
    assert f"VERSION=${{VERSION:-{version}}}" in script


def test_dockerfiles_build_on_the_pinned_images():
    beam, flink = beam_version(), pinned_flink()
    sdk = (DEPLOY / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", sdk, re.MULTILINE)
    assert froms and set(froms) == {f"apache/beam_python3.11_sdk:{beam}"}
    # newsbeam goes in as the wheel pip builds from pyproject.toml (package data included),
    # never as source folders copied one by one
    final_stage = sdk.split("\nFROM ")[-1]
    assert re.findall(r"^COPY (.*)$", final_stage, re.MULTILINE) == ["--from=wheel /dist /tmp/dist"]
    assert "pip wheel" in sdk and "pip install" in final_stage
    template = (DEPLOY / "dataflow" / "Dockerfile").read_text()
    assert "python311-template-launcher-base" in template
    assert "/opt/google/dataflow/python_template_launcher" in template
    assert flink  # the Flink images are checked with the manifests


def test_docker_context_lets_in_only_what_ships():
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "the context is an allowlist"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    folders = set(pyproject()["tool"]["setuptools"]["package-dir"].values())
    assert allowed == folders | {"pyproject.toml", pyproject()["project"]["readme"],
                                  "deploy/dataflow/main.py"}


# ---------------------------------------------------------------------------------------------
# Manifests: the pieces fit together

def flink_duration_ms(value) -> int:
    number, unit = re.fullmatch(r"\s*(\d+)\s*(ms|s|min)?\s*", str(value)).groups()
    return int(number) * {"ms": 1, None: 1, "s": 1000, "min": 60000}[unit]


def compose_flink_properties() -> dict:
    return yaml.safe_load(compose()["x-flink-properties"]["FLINK_PROPERTIES"])


def k8s_submit_commands(savepoint: str = "") -> dict[str, list[str]]:
    """The newsbeam argv of each submit Job, as the pod would run it (ConfigMap values in)."""
    env = {k: str(v) for k, v in the("ConfigMap")["data"].items()}
    env["SAVEPOINT_PATH"] = savepoint
    commands = {}
    for (kind, name), doc in k8s_objects().items():
        if kind != "Job":
            continue
        [container] = doc["spec"]["template"]["spec"]["containers"]
        refs = [e["configMapRef"]["name"] for e in container["envFrom"] if "configMapRef" in e]
        assert refs == [the("ConfigMap")["metadata"]["name"]], name
        command = container.get("command", []) + container.get("args", [])
        if command[:2] == ["sh", "-c"]:
            commands[name] = run_with_fake(["sh", "-c", command[2]], env)
        else:
            def expand(arg):
                for ref in re.findall(r"\$\((\w+)\)", arg):
                    assert ref in env, f"{name}: $({ref}) is not in the ConfigMap"
                    arg = arg.replace(f"$({ref})", env[ref])
                return arg
            assert command[0] == "newsbeam", name
            commands[name] = [expand(arg) for arg in command[1:]]
    return commands


def run_with_fake(argv: list[str], env: dict[str, str], program: str = "newsbeam") -> list[str]:
    """Runs a shell command with `program` replaced by a stub; returns the stub's arguments."""
    with tempfile.TemporaryDirectory(prefix="newsbeam-stub-") as folder:
        stub_dir = Path(folder)
        captured = stub_dir / "args"
        stub = stub_dir / program
        stub.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done >> "{captured}"\n'
                        f'printf "\\1" >> "{captured}"\n')
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
        captured.write_bytes(b"")
        subprocess.run(argv, check=True, cwd=ROOT,
                       env={"PATH": f"{stub_dir}:{os.environ['PATH']}", **env})
        calls = captured.read_bytes().split(b"\x01")[:-1]
    assert len(calls) == 1, calls
    return [arg.decode() for arg in calls[0].split(b"\0")[:-1]]


def compose_submit_commands() -> dict[str, list[str]]:
    found = {}
    for name, service in compose()["services"].items():
        if service.get("entrypoint") == ["newsbeam"]:
            found[name] = service["command"]
    return found


def all_submit_commands() -> dict[str, list[str]]:
    commands = {f"k8s {k}": v for k, v in k8s_submit_commands().items()}
    restore = k8s_submit_commands(savepoint="file:///flink-data/savepoints/savepoint-1")
    commands["k8s newsbeam-submit-streaming (restore)"] = restore["newsbeam-submit-streaming"]
    commands.update({f"compose {k}": v for k, v in compose_submit_commands().items()})
    for mode in ([], ["--streaming"]):
        commands[f"deploy/flink/submit.sh {mode}"] = run_with_fake(
            ["bash", "deploy/flink/submit.sh", *mode, "--output=s3://b/out"],
            {"JOB_HOST": "jobs.example"})
    return commands


def test_the_manifests_submit_both_jobs():
    assert set(k8s_submit_commands()) == {"newsbeam-submit-streaming", "newsbeam-submit-batch"}
    assert set(compose_submit_commands()) == {"submit-streaming", "submit-batch"}


def test_every_submit_command_names_options_newsbeam_accepts():
    for where, argv in all_submit_commands().items():
        options = parse_newsbeam(argv)
        assert options.runner == "PortableRunner", where
        assert options.environment_type == "EXTERNAL", where
        assert options.environment_config == "localhost:50000", where
        if options.streaming:
            # handed over, checkpointed, checkpoints kept for a restart
            assert options.no_wait_until_finish, where
            assert options.checkpointing_interval > 0, where
            assert options.externalized_checkpoints_enabled, where
            assert options.retain_externalized_checkpoints_on_cancellation, where
        else:
            # waited for, so the summary is printed
            assert not options.no_wait_until_finish, where
    restore = parse_newsbeam(all_submit_commands()["k8s newsbeam-submit-streaming (restore)"])
    assert restore.savepoint_path == "file:///flink-data/savepoints/savepoint-1"
    assert parse_newsbeam(k8s_submit_commands()["newsbeam-submit-streaming"]).savepoint_path is None


def test_checkpointing_is_on_and_the_interval_is_one_number():
    deployment = the("FlinkDeployment")["spec"]["flinkConfiguration"]
    properties = compose_flink_properties()
    for config in (deployment, properties):
        assert config["state.backend.type"] == "rocksdb"
        assert str(config["state.checkpoints.dir"]).startswith("file:///flink-data/")
        assert str(config["state.savepoints.dir"]).startswith("file:///flink-data/")
        assert config["execution.checkpointing.externalized-checkpoint-retention"] == \
            "RETAIN_ON_CANCELLATION"
    intervals = {
        "flink-deployment.yaml": flink_duration_ms(deployment["execution.checkpointing.interval"]),
        "compose.yaml FLINK_PROPERTIES": flink_duration_ms(
            properties["execution.checkpointing.interval"]),
        "submit-config.yaml": int(the("ConfigMap")["data"]["CHECKPOINT_INTERVAL_MS"]),
    }
    for where, argv in all_submit_commands().items():
        options = parse_newsbeam(argv)
        if options.streaming:
            intervals[where] = options.checkpointing_interval
    assert len(set(intervals.values())) == 1, intervals


def test_task_managers_run_the_beam_worker_pool():
    spec = the("FlinkDeployment")["spec"]
    containers = {c["name"]: c for c in spec["taskManager"]["podTemplate"]["spec"]["containers"]}
    pool = containers["beam-worker-pool"]
    assert pool["image"] == f"newsbeam-sdk:{pyproject()['project']['version']}"
    assert pool["args"] == ["--worker_pool"]
    assert [p["containerPort"] for p in pool["ports"]] == [50000]
    service = compose()["services"]["beam-worker-pool"]
    assert service["command"] == ["--worker_pool"]
    assert service["network_mode"] == "service:taskmanager"
    assert service["image"] == pool["image"]


def test_the_job_server_shares_staged_artifacts_with_the_task_managers():
    server = the("Deployment")["spec"]["template"]["spec"]
    [container] = server["containers"]
    args = dict(arg[2:].split("=", 1) for arg in container["args"])
    artifacts = args["artifacts-dir"]

    def claim_at(pod_spec, mounts, path):
        volumes = {v["name"]: v for v in pod_spec["volumes"]}
        for mount in mounts:
            if path.startswith(mount["mountPath"].rstrip("/") + "/") and "subPath" not in mount:
                return volumes[mount["name"]]["persistentVolumeClaim"]["claimName"]
        return None

    tm = the("FlinkDeployment")["spec"]["taskManager"]["podTemplate"]["spec"]
    [main_container] = [c for c in tm["containers"] if c["name"] == "flink-main-container"]
    claim = claim_at(server, container["volumeMounts"], artifacts)
    assert claim and claim == claim_at(tm, main_container["volumeMounts"], artifacts)
    assert the("PersistentVolumeClaim")["metadata"]["name"] == claim
    assert the("PersistentVolumeClaim")["spec"]["accessModes"] == ["ReadWriteMany"]

    services = compose()["services"]
    [artifacts_dir] = [a.split("=", 1)[1] for a in services["job-server"]["command"]
                       if a.startswith("--artifacts-dir=")]
    for name in ("job-server", "taskmanager"):
        volume = [v for v in services[name]["volumes"]
                  if artifacts_dir.startswith(v.split(":")[1].rstrip("/") + "/")]
        assert volume == ["flink-data:/flink-data"], name


def test_clients_reach_the_job_server_and_it_reaches_flink():
    deployment = the("Deployment")
    service = the("Service")
    assert service["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]
    ports = {p["port"] for p in service["spec"]["ports"]}
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    args = dict(arg[2:].split("=", 1) for arg in container["args"])
    assert args["job-host"] == "0.0.0.0"
    assert args["flink-master"] == f"{the('FlinkDeployment')['metadata']['name']}-rest:8081"
    for name, argv in k8s_submit_commands().items():
        options = parse_newsbeam(argv)
        for endpoint, port in ((options.job_endpoint, args["job-port"]),
                               (options.artifact_endpoint, args["artifact-port"])):
            host, _, number = endpoint.partition(":")
            assert host == service["metadata"]["name"] and int(number) == int(port), name
            assert int(number) in ports, name
    services = compose()["services"]
    assert "--flink-master=jobmanager:8081" in services["job-server"]["command"]
    for name, argv in compose_submit_commands().items():
        options = parse_newsbeam(argv)
        assert options.job_endpoint == "job-server:8099", name
        assert options.artifact_endpoint == "job-server:8098", name


def test_the_template_script_passes_only_template_parameters():
    params = {p["name"] for p in metadata()["parameters"]}
    env = {"PROJECT": "p", "REGION": "europe-west1", "BUCKET": "newsbeam-b"}
    for mode in ("batch", "streaming"):
        gcloud = run_with_fake(["bash", "deploy/dataflow/flex-template.sh", "run", mode,
                                "interval=600"], env, program="gcloud")
        assert gcloud[:3] == ["dataflow", "flex-template", "run"]
        value = gcloud[gcloud.index("--parameters") + 1]
        given = dict(pair.split("=", 1) for pair in value.split(","))
        assert set(given) <= params, set(given) - params
        assert given["streaming"] == ("true" if mode == "streaming" else "false")
        assert ("--enable-streaming-engine" in gcloud) == (mode == "streaming")


def test_the_deployment_doc_keeps_its_promises():
    deploying = DEPLOYMENT_DOC.read_text()
    for doc in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for path in re.findall(r"`(deploy/[\w./-]+)`", doc.read_text()):
            assert (ROOT / path).exists(), f"{doc.relative_to(ROOT)} names {path}: no such file"
    for needed in ("gcloud dataflow flex-template build", "gcloud dataflow flex-template run",
                   "kubectl apply", "docker compose", "savepoint", "[gcp]", "[aws]", "[hadoop]"):
        assert needed in deploying, needed
    extras = pyproject()["project"]["optional-dependencies"]
    for name in ("gcp", "aws", "hadoop"):
        assert extras[name] == [f"apache-beam[{name}]=={beam_version()}"]
