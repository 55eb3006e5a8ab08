"""The chain from an artifact back to its rollouts, read from ML Metadata: each artifact with
the input it was given as, the execution (and pipeline node: RolloutGen_round2) that produced
it, that execution's parameters and time, then its inputs. Across rounds the chain reads: these
rollouts, played by that `agent`, built from those models, trained on those rollouts.

A stage served from cache has a CACHED execution pointing at the original outputs; the chain
names the execution that actually produced each artifact and lists the cached reuses."""
from __future__ import annotations

import datetime
import json

from ml_metadata.proto import metadata_store_pb2

from worldmodels.inspect import metadata

_HIDDEN = {"tfx_version", "is_external", "__stateful_working_dir_index__"}
_OUTPUT = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


def _properties(message) -> dict:
    out = {}
    for source in (message.properties, message.custom_properties):
        for key in source:
            if key not in _HIDDEN:
                out[key] = metadata.value(source, key)
    return out


def _summarise_parameters(params: dict) -> dict:
    """The config parameter is long JSON: show its sections' contents compactly."""
    if "config" in params:
        try:
            config = json.loads(params["config"])
            params = {**params, "config": {k: v for k, v in config.items()}}
        except (TypeError, json.JSONDecodeError):
            pass
    return params


def lineage(root: str, artifact_id: int | None = None) -> list[dict]:
    """Rows, depth first from the artifact (default: the newest agent) to the rollouts."""
    store = metadata.open_store(root)
    if artifact_id is None:
        artifact_id = metadata.latest_agent(root).artifact_id
    if not store.get_artifacts_by_id([artifact_id]):
        raise LookupError(f"artifact {artifact_id}: not in {root}'s ML Metadata")
    rows, seen = [], set()

    def node(execution) -> str:
        """The pipeline node (component id: RNNTrainer_round2) that ran `execution`."""
        found = [c.name.rpartition(".")[2] for c in store.get_contexts_by_execution(execution.id)
                 if c.type == "node"]
        return found[0] if found else execution.type.rsplit(".", 1)[-1]

    def visit(aid: int, depth: int, key: str = "") -> None:
        artifact = store.get_artifacts_by_id([aid])[0]
        events = store.get_events_by_artifact_ids([aid])
        producers = store.get_executions_by_id(sorted({e.execution_id for e in events
                                                       if e.type in _OUTPUT}))
        producer = min(producers, key=lambda e: (
            e.last_known_state != metadata_store_pb2.Execution.COMPLETE, e.id), default=None)
        row = {"depth": depth, "artifact_id": aid, "type": artifact.type, "uri": artifact.uri,
               "input": key, "properties": _properties(artifact), "repeated": aid in seen}
        if producer is not None:
            row.update(
                execution_id=producer.id, component=producer.type.rsplit(".", 1)[-1],
                node=node(producer),
                state=metadata_store_pb2.Execution.State.Name(producer.last_known_state),
                parameters=_summarise_parameters(_properties(producer)),
                time=datetime.datetime.fromtimestamp(producer.create_time_since_epoch / 1000)
                .isoformat(timespec="seconds"),
                cached_by=[e.id for e in producers if e.id != producer.id])
        rows.append(row)
        if aid in seen or producer is None:
            return
        seen.add(aid)
        inputs = [e for e in store.get_events_by_execution_ids([producer.id]) if e.type in _INPUT]
        for event in sorted(inputs, key=lambda e: e.path.steps[0].key):
            visit(event.artifact_id, depth + 1, event.path.steps[0].key)

    visit(artifact_id, 0)
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        pad = "  " * row["depth"]
        props = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in sorted(row["properties"].items()))
        role = f"{row['input']}: " if row["input"] else ""
        lines.append(f"{pad}{role}{row['type']} #{row['artifact_id']}  {row['uri']}"
                     + (f"  [{props}]" if props else ""))
        if row["repeated"]:
            lines.append(f"{pad}  (shown above)")
            continue
        if "execution_id" in row:
            cached = f", reused from cache by {row['cached_by']}" if row["cached_by"] else ""
            params = row["parameters"]
            lines.append(f"{pad}  <- {row['node']} execution #{row['execution_id']} "
                         f"({row['state']}, {row['time']}{cached}) "
                         f"code={params.get('code_fingerprint')} "
                         f"config={json.dumps(params.get('config'), sort_keys=True)}")
    return "\n".join(lines)
