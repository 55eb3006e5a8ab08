# The project's image: the pinned set and the project; runs the tiny pipeline by default.
# Kubeflow runs the pipeline's components from this image (`worldmodels compile --image TAG`).
#   docker build -t REGISTRY/worldmodels:0.1.0 .
# BASE: any image with Python 3.10 and pip on PATH (scripts/image_check.sh builds a stand-in
# where no registry is reachable). EXTRA_PACKAGES: more packages installed under the same
# constraints, e.g. "tensorflow[and-cuda]" for NVIDIA GPUs (CUDA from pip, the driver from
# the host; unmeasured).
ARG BASE=python:3.10-slim
FROM ${BASE}
ARG EXTRA_PACKAGES=""

RUN apt-get update && apt-get install -y --no-install-recommends swig build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY constraints.txt setup.py ./
COPY worldmodels ./worldmodels
COPY components ./components
COPY pipeline ./pipeline
RUN pip install --no-cache-dir -c constraints.txt setuptools wheel \
    && pip install --no-cache-dir -c constraints.txt -e . ${EXTRA_PACKAGES}

ENV TF_CPP_MIN_LOG_LEVEL=3
CMD ["worldmodels", "run", "--preset", "tiny", "--root", "/app/runs"]
