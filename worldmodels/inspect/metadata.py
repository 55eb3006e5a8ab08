"""Reading a run's ML Metadata store (the embedded sqlite file under the root) with the
ml-metadata client alone: what the CLI prints after a run, lineage and reports build on it."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from worldmodels.layout import METADATA_FILE, SERVING_DIR

EVALUATOR_TYPE = "components.evaluator.Evaluator"
STAGES = ("rollout_gen.RolloutGen", "vae_trainer.VAETrainer",
          "latent_transform.LatentTransform", "rnn_trainer.RNNTrainer",
          "controller_search.ControllerSearch", "evaluator.Evaluator")


def open_store(root: str) -> metadata_store.MetadataStore:
    path = os.path.join(root, METADATA_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no ML Metadata store here (run `worldmodels run --root {root}` first)")
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    return metadata_store.MetadataStore(config)


def output_artifacts(store, execution_id: int) -> dict[str, metadata_store_pb2.Artifact]:
    """The execution's outputs by key (cached executions point at the reused artifacts)."""
    events = [e for e in store.get_events_by_execution_ids([execution_id])
              if e.type in (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)]
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    return {e.path.steps[0].key: artifacts[e.artifact_id] for e in events}


def finished_executions(store, type_name: str) -> list:
    done = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)
    return sorted((e for e in store.get_executions_by_type(type_name) if e.last_known_state in done),
                  key=lambda e: (e.create_time_since_epoch, e.id))


def newest_by_node(store) -> dict[str, metadata_store_pb2.Execution]:
    """Each pipeline node's (component id's: RolloutGen, RolloutGen_round2, ...) newest
    finished execution, in the pipeline's order: round by round, stage by stage."""
    done = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)
    newest = {}
    for context in store.get_contexts_by_type("node"):
        node = context.name.rpartition(".")[2]
        for e in store.get_executions_by_context(context.id):
            if e.last_known_state in done and (
                    node not in newest or (e.create_time_since_epoch, e.id) >
                    (newest[node].create_time_since_epoch, newest[node].id)):
                newest[node] = e
    return dict(sorted(newest.items(), key=lambda item: _node_order(item[0])))


def node_round(node: str) -> tuple[str, int]:
    """(component, round) of a pipeline node id: RolloutGen -> (RolloutGen, 1),
    RNNTrainer_round2 -> (RNNTrainer, 2), LatentTransform_round2_earlier1 (round 2's V encoding
    round 1's rollouts) -> (LatentTransform, 2)."""
    component, _, rest = node.partition("_round")
    return component, int(rest.partition("_")[0] or 1)


def _node_order(node: str) -> tuple[int, int, str]:
    component, k = node_round(node)
    stages = [s.split(".")[1] for s in STAGES]
    return (k, stages.index(component) if component in stages else len(stages), node)


def stage_times(root: str) -> list[tuple[str, float, bool]]:
    """(component id, seconds, served from cache) of each node's newest finished execution:
    from its registration to its last update (when its outputs were published)."""
    out = []
    for node, last in newest_by_node(open_store(root)).items():
        seconds = (last.last_update_time_since_epoch - last.create_time_since_epoch) / 1000
        out.append((node, seconds, last.last_known_state == metadata_store_pb2.Execution.CACHED))
    return out


def newest_output(root: str, component: str) -> str:
    """'key: uri' of each output of the root's newest finished `component` execution."""
    stage = next(s for s in STAGES if s.endswith(f".{component}"))
    store = open_store(root)
    last = finished_executions(store, f"components.{stage}")[-1]
    return ", ".join(f"{key} {a.uri}" for key, a in sorted(output_artifacts(store, last.id).items()))


def newest_rollouts(root: str) -> str:
    """The URI of the root's newest finished Rollouts: what V's laboratory trains on."""
    store = open_store(root)
    runs = finished_executions(store, "components.rollout_gen.RolloutGen")
    if not runs:
        raise ValueError(f"--root {root}: no finished RolloutGen in ML Metadata")
    return output_artifacts(store, runs[-1].id)["rollouts"].uri


def newest_inputs(root: str) -> dict[str, str]:
    """The URIs of the root's newest finished V, M and LatentSeries: what a laboratory
    starts from."""
    store = open_store(root)
    found = {}
    for name, stage, key in (("vae", "vae_trainer.VAETrainer", "model"),
                             ("rnn", "rnn_trainer.RNNTrainer", "model"),
                             ("latents", "latent_transform.LatentTransform", "latents")):
        runs = finished_executions(store, f"components.{stage}")
        if not runs:
            raise ValueError(f"--root {root}: no finished {stage.split('.')[1]} in ML Metadata")
        found[name] = output_artifacts(store, runs[-1].id)[key].uri
    return found


def round_search_inputs(root: str, k: int) -> dict[str, str]:
    """The URIs of the V, M and LatentSeries round k's dreaming search was given: what a
    laboratory starts from when the root has more rounds than the one it studies."""
    store = open_store(root)
    node = "ControllerSearch" if k == 1 else f"ControllerSearch_round{k}"
    execution = newest_by_node(store).get(node)
    if execution is None:
        raise ValueError(f"--round {k}: {root} has no finished {node} in ML Metadata")
    events = [e for e in store.get_events_by_execution_ids([execution.id])
              if e.type == metadata_store_pb2.Event.INPUT]
    uris = {a.id: a.uri for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    found = {e.path.steps[0].key: uris[e.artifact_id] for e in events}
    if "latents" not in found:
        raise ValueError(f"--round {k}: {node} searched the real game, so it had no dream starts")
    return {key: found[key] for key in ("vae", "rnn", "latents")}


def value(properties, key: str):
    v = properties[key]
    return getattr(v, v.WhichOneof("value"))


@dataclass
class AgentSummary:
    agent_dir: str
    mean_return: float
    std_return: float
    iqm_return: float
    iqm_ci: tuple[float, float]  # bootstrap 95% confidence interval of the IQM
    episodes: int
    blessed: bool
    threshold: float
    artifact_id: int


def latest_agent(root: str) -> AgentSummary:
    store = open_store(root)
    runs = finished_executions(store, EVALUATOR_TYPE)
    if not runs:
        raise LookupError(f"{root}: no finished Evaluator run in ML Metadata")
    return _summary(store, runs[-1])


def round_rows(root: str) -> list[dict]:
    """Each round's newest Evaluator, round 1 first: its evaluation.json and `round`."""
    store = open_store(root)
    rows = []
    for node, execution in newest_by_node(store).items():
        if execution.type == EVALUATOR_TYPE:
            uri = output_artifacts(store, execution.id)["evaluation"].uri
            with open(os.path.join(uri, "evaluation.json")) as f:
                rows.append({"round": node_round(node)[1], **json.load(f)})
    return rows


def _summary(store, execution) -> AgentSummary:
    out = output_artifacts(store, execution.id)
    agent, blessing = out["agent"], out["blessing"]
    return AgentSummary(
        agent_dir=os.path.join(agent.uri, SERVING_DIR),
        mean_return=value(agent.custom_properties, "mean_return"),
        std_return=value(agent.custom_properties, "std_return"),
        iqm_return=value(agent.custom_properties, "iqm_return"),
        iqm_ci=(value(agent.custom_properties, "iqm_ci_low_return"),
                value(agent.custom_properties, "iqm_ci_high_return")),
        episodes=value(agent.custom_properties, "episodes"),
        blessed=bool(value(blessing.custom_properties, "blessed")),
        threshold=value(blessing.custom_properties, "threshold"),
        artifact_id=agent.id)
