# The project's image: the pinned set and the project; runs the tiny pipeline by default.
# Kubeflow runs the pipeline's components from this image.
FROM python:3.10-slim

RUN apt-get update && apt-get install -y --no-install-recommends swig build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY constraints.txt setup.py ./
COPY worldmodels ./worldmodels
COPY components ./components
COPY pipeline ./pipeline
RUN pip install --no-cache-dir -c constraints.txt setuptools wheel \
    && pip install --no-cache-dir -c constraints.txt -e .

ENV TF_CPP_MIN_LOG_LEVEL=3
CMD ["worldmodels", "run", "--preset", "tiny", "--root", "/app/runs"]
