"""End to end: the README's main command (`worldmodels run --preset tiny`) on real CarRacing-v3,
real TFX LocalDagRunner and ML Metadata. Checked: six executions with the right events, a
second run served from cache, the agent acting in a fresh TensorFlow-only process and a corrupt
shard's one-line error (kills and resumes: test_kill_resume.py)."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import textwrap

import pytest
from ml_metadata.proto import metadata_store_pb2

from tests.pipeline.runs import cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow

EXPECTED = {  # component -> (input keys, output keys)
    "RolloutGen": (set(), {"rollouts"}),
    "VAETrainer": ({"rollouts"}, {"model", "model_run"}),
    "LatentTransform": ({"rollouts", "vae"}, {"latents"}),
    "RNNTrainer": ({"latents"}, {"model", "model_run"}),
    "ControllerSearch": ({"vae", "rnn"}, {"model", "model_run"}),
    "Evaluator": ({"vae", "rnn", "controller"}, {"agent", "evaluation", "blessing"}),
}
WIRING = {  # (consumer, input key) -> (producer, output key)
    ("VAETrainer", "rollouts"): ("RolloutGen", "rollouts"),
    ("LatentTransform", "rollouts"): ("RolloutGen", "rollouts"),
    ("LatentTransform", "vae"): ("VAETrainer", "model"),
    ("RNNTrainer", "latents"): ("LatentTransform", "latents"),
    ("ControllerSearch", "vae"): ("VAETrainer", "model"),
    ("ControllerSearch", "rnn"): ("RNNTrainer", "model"),
    ("Evaluator", "vae"): ("VAETrainer", "model"),
    ("Evaluator", "rnn"): ("RNNTrainer", "model"),
    ("Evaluator", "controller"): ("ControllerSearch", "model"),
}


def events(store, execution):
    out = {"inputs": {}, "outputs": {}}
    for e in store.get_events_by_execution_ids([execution.id]):
        side = "inputs" if e.type == metadata_store_pb2.Event.INPUT else "outputs"
        out[side][e.path.steps[0].key] = e.artifact_id
    return out


def executions_by_component(store):
    runs = {}
    for name in EXPECTED:
        type_name = f"components.{_module(name)}.{name}"
        runs[name] = sorted(store.get_executions_by_type(type_name), key=lambda e: e.id)
    return runs


def _module(name: str) -> str:
    return {"RolloutGen": "rollout_gen", "VAETrainer": "vae_trainer",
            "LatentTransform": "latent_transform", "RNNTrainer": "rnn_trainer",
            "ControllerSearch": "controller_search", "Evaluator": "evaluator"}[name]


def _output(store, component: str, key: str):
    """The output `key` of the component's newest finished execution."""
    done = [e for e in executions_by_component(store)[component]
            if e.last_known_state == metadata_store_pb2.Execution.COMPLETE]
    return store.get_artifacts_by_id([events(store, done[-1])["outputs"][key]])[0]


def test_run_prints_agent_and_score(tiny_root):
    root, result = tiny_root
    lines = result.stdout.splitlines()
    agent_line = next(line for line in lines if line.startswith("agent: "))
    assert os.path.isfile(os.path.join(agent_line[len("agent: "):], "saved_model.pb"))
    summary = metadata.latest_agent(root)
    assert f"score: {summary.mean_return:.1f} +- {summary.std_return:.1f} over 2" in result.stdout
    assert f"IQM {summary.iqm_return:.1f}, 95% CI [{summary.iqm_ci[0]:.1f}, " in result.stdout
    stages = next(line for line in lines if line.startswith("stages: "))
    names = [part.split()[0] for part in stages[len("stages: "):].split(", ")]
    assert names == ["RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer",
                     "ControllerSearch", "Evaluator"]
    assert "(cached)" not in stages


def test_six_executions_with_their_events(tiny_root):
    root, _ = tiny_root
    store = metadata.open_store(root)
    runs = executions_by_component(store)
    produced = {}
    for name, (inputs, outputs) in EXPECTED.items():
        assert len(runs[name]) == 1, name
        execution = runs[name][0]
        assert execution.last_known_state == metadata_store_pb2.Execution.COMPLETE
        ev = events(store, execution)
        assert set(ev["inputs"]) == inputs, name
        assert set(ev["outputs"]) == outputs, name
        produced[name] = ev
    for (consumer, key), (producer, out_key) in WIRING.items():
        assert produced[consumer]["inputs"][key] == produced[producer]["outputs"][out_key]
    rollouts = store.get_artifacts_by_id([produced["RolloutGen"]["outputs"]["rollouts"]])[0]
    assert rollouts.type == "worldmodels.Rollouts"
    assert rollouts.custom_properties["episodes"].int_value == 6
    assert rollouts.custom_properties["steps"].int_value == 6 * 80
    assert rollouts.custom_properties["split_names"].string_value == '["train", "eval"]'
    blessing = store.get_artifacts_by_id([produced["Evaluator"]["outputs"]["blessing"]])[0]
    assert blessing.custom_properties["blessed"].int_value == 1  # tiny's threshold is 0


def test_second_run_is_served_from_cache(tiny_root):
    root, first = tiny_root
    result = cli("run", "--preset", "tiny", "--root", root)
    assert result.returncode == 0, result.stderr[-3000:]
    store = metadata.open_store(root)
    for name, runs in executions_by_component(store).items():
        assert [e.last_known_state for e in runs] == [
            metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED], name
        assert events(store, runs[0])["outputs"] == events(store, runs[1])["outputs"], name
    assert [l for l in result.stdout.splitlines() if l.startswith(("agent", "score"))] == \
        [l for l in first.stdout.splitlines() if l.startswith(("agent", "score"))]


def _history(root: str) -> list[dict]:
    uri = _output(metadata.open_store(root), "ControllerSearch", "model").uri
    with open(os.path.join(uri, "history.json")) as f:
        return json.load(f)


def test_history_counts_environment_steps_and_wall_time(tiny_root):
    """tiny: 4 candidates x 1 episode of 80 steps a generation, and 2 evaluation episodes of
    the mean after generations 2 and 3; cumulative, as the learning curves plot them."""
    history = _history(tiny_root[0])
    assert [h["episodes"] for h in history] == [1, 1, 1]
    assert [h["env_steps"] for h in history] == [320, 320 + 320 + 160, 800 + 320 + 160]
    elapsed = [h["elapsed_s"] for h in history]
    assert 0 < elapsed[0] < elapsed[1] < elapsed[2]
    assert elapsed[2] >= sum(h["wall_time_s"] for h in history)


def test_lineage_of_a_partly_cached_run(tiny_root):
    """A changed evaluator setting re-runs only the Evaluator; the lineage of the new agent
    names the new Evaluator execution and, for everything upstream, the original producers
    with the cached executions that reused them."""
    root, _ = tiny_root
    result = cli("run", "--preset", "tiny", "--root", root, "--set", "evaluator.episodes=3")
    assert result.returncode == 0, result.stderr[-3000:]
    lineage = cli("lineage", "--root", root, "--json")
    assert lineage.returncode == 0, lineage.stderr[-3000:]
    rows = json.loads(lineage.stdout)
    store = metadata.open_store(root)
    runs = executions_by_component(store)
    agent = rows[0]
    assert (agent["type"], agent["component"], agent["state"]) == ("Model", "Evaluator", "COMPLETE")
    assert agent["artifact_id"] == metadata.latest_agent(root).artifact_id
    assert agent["execution_id"] == runs["Evaluator"][-1].id
    assert agent["properties"]["episodes"] == 3
    assert agent["parameters"]["config"]["evaluator"]["episodes"] == 3
    first = {r["component"]: r for r in rows if not r["repeated"]}
    assert set(first) == set(EXPECTED)
    for name in ("RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer", "ControllerSearch"):
        assert first[name]["execution_id"] == runs[name][0].id  # the original producer
        assert first[name]["cached_by"] == [e.id for e in runs[name][1:]]
        assert len(first[name]["cached_by"]) == 2  # the second run and this one
    rollouts = first["RolloutGen"]
    assert rollouts["type"] == "worldmodels.Rollouts"
    assert rollouts["properties"]["episodes"] == 6
    text = cli("lineage", "--root", root)
    assert text.stdout.splitlines()[0].startswith(f"Model #{agent['artifact_id']}  {agent['uri']}")
    assert "reused from cache by" in text.stdout


def test_agent_acts_in_a_fresh_tensorflow_only_process(tiny_root):
    root, _ = tiny_root
    agent_dir = metadata.latest_agent(root).agent_dir
    script = textwrap.dedent(f"""
        import sys, numpy as np, tensorflow as tf, gymnasium as gym
        agent = tf.saved_model.load({agent_dir!r})
        env = gym.make("CarRacing-v3")
        obs, _ = env.reset(seed=7)
        state = agent.initial_state(1)
        for _ in range(60):
            action, state = agent.act(obs[None], state)
            obs, reward, terminated, truncated, _ = env.step(action.numpy()[0])
        mods = [m for m in sys.modules if m.split(".")[0] in ("worldmodels", "components", "tfx")]
        print("ACTION", *action.numpy()[0], "MODULES", len(mods), mods[:3])
        """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd="/")
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(l for l in result.stdout.splitlines() if l.startswith("ACTION"))
    parts = line.split()
    steer, gas, brake = map(float, parts[1:4])
    assert -1 <= steer <= 1 and 0 <= gas <= 1 and 0 <= brake <= 1
    assert parts[5] == "0", line  # neither worldmodels nor TFX was imported


def test_corrupt_rollout_shard_gives_one_line_and_keeps_artifacts(tiny_root, tmp_path):
    root, _ = tiny_root
    shard = sorted(glob.glob(os.path.join(root, "pipeline/RolloutGen/rollouts/*/*train*")))[0]
    data = bytearray(open(shard, "rb").read())
    before = sorted(glob.glob(os.path.join(root, "pipeline/*/*/*")))
    data[len(data) // 2] ^= 0xFF
    open(shard, "wb").write(bytes(data))
    try:  # a changed VAE setting re-runs VAETrainer on the cached (now corrupt) rollouts
        result = cli("run", "--preset", "tiny", "--root", root, "--set", "vae.max_steps=3")
    finally:
        data[len(data) // 2] ^= 0xFF
        open(shard, "wb").write(bytes(data))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"worldmodels: error: {shard}: corrupt or truncated TFRecord shard")
    assert "Traceback" not in result.stderr
    after = sorted(glob.glob(os.path.join(root, "pipeline/*/*/*")))
    assert set(before) <= set(after)  # nothing already produced is lost


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_damaged_rollout_shard_is_named_before_training(tiny_root, damage):
    """A deleted or truncated shard of the cached rollouts: the re-run VAETrainer refuses it in
    one line naming the input, its MLMD id and the shard, before training."""
    root, _ = tiny_root
    rollouts = _output(metadata.open_store(root), "RolloutGen", "rollouts")
    shard = sorted(glob.glob(os.path.join(rollouts.uri, "*train*")))[0]
    data = open(shard, "rb").read()
    if damage == "deleted":
        os.remove(shard)
        problem = "missing; dataset_info.json lists 2 episode(s) in it"
    else:
        open(shard, "wb").write(data[:-100])
        problem = "truncated TFRecord shard: 1 whole record(s), then one cut at byte "
    try:
        result = cli("run", "--preset", "tiny", "--root", root, "--set", "vae.max_steps=3")
    finally:
        open(shard, "wb").write(data)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"worldmodels: error: input 'rollouts' (MLMD artifact {rollouts.id}) "
                           f"{rollouts.uri}: {shard}: {problem}")
    assert "Traceback" not in result.stderr


def test_a_missing_saved_model_is_named(tiny_root):
    root, _ = tiny_root
    vae = _output(metadata.open_store(root), "VAETrainer", "model")
    graph = os.path.join(vae.uri, "Format-Serving", "saved_model.pb")
    data = open(graph, "rb").read()
    os.remove(graph)
    try:  # a changed search setting re-runs ControllerSearch on the cached V
        result = cli("run", "--preset", "tiny", "--root", root, "--set", "controller.eval_every=1")
    finally:
        open(graph, "wb").write(data)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"worldmodels: error: input 'vae' (MLMD artifact {vae.id}) {vae.uri}: {graph}: missing")

