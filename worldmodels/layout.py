"""Where things sit in a run's root and inside its artifacts: one definition each, imported
wherever a path is built (no TensorFlow here, so light commands can use it)."""

METADATA_FILE = "metadata.sqlite"  # the ML Metadata store of a local or Beam run, in the root
SERVING_DIR = "Format-Serving"  # a Model artifact's SavedModel, where TFX's Pusher looks
# The pipeline's components in order; each writes under ROOT/pipeline/NAME.
COMPONENTS = ("RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer", "ControllerSearch",
              "Evaluator")
