# syntax=docker/dockerfile:1
# obhub API image. Build: docker build -t obhub .
# Run:   docker run -p 8000:8000 -v obhub-data:/var/lib/obhub obhub
#        (production: -e OBHUB_PUBLIC_BASE_URL=https://badges.example.fr, its did:web)
# Workers (PostgreSQL): docker run -e OBHUB_DATABASE_URL=… -e OBHUB_KEK=… obhub obhub worker
# The volume holds the SQLite database and the generated key-encryption key (OBHUB_KEK
# or OBHUB_KEK_FILE supply one instead); set OBHUB_DATABASE_URL for PostgreSQL.
# The container migrates its database before serving (`obhub serve --migrate`: a fresh
# volume comes up migrated, with the Region issuer); `obhub serve` alone refuses a
# database that is not migrated, and /readyz answers 503 until it is.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- builder: wheels only
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY pyproject.toml README.md hatch_build.py ./
COPY src ./src
COPY alembic ./alembic
# The project's own wheel (its build hook compiles the gettext catalogue), then a wheel
# for every dependency it declares.
RUN pip wheel --no-deps --wheel-dir /dist . \
 && pip wheel --wheel-dir /wheels /dist/*.whl

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    OBHUB_DATA_DIR=/var/lib/obhub

# cairo draws the PNG pictures of badge images (CairoSVG loads it at run time); fonts
# for their text.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends libcairo2 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Installs from the builder's wheels only: no compiler, no index, no source tree.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels obhub

RUN groupadd --system --gid 10001 obhub \
 && useradd --system --uid 10001 --gid obhub --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin obhub \
 && install -d -o obhub -g obhub -m 0700 /var/lib/obhub

WORKDIR /app
USER obhub:obhub
VOLUME ["/var/lib/obhub"]
EXPOSE 8000

# HTTPS when OBHUB_TLS_CERT_FILE/OBHUB_TLS_KEY_FILE are set (the service then serves TLS
# only), HTTP otherwise: see src/issuer_api/healthcheck.py.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-m", "issuer_api.healthcheck", "8000"]

CMD ["obhub", "serve", "--migrate", "--host", "0.0.0.0", "--port", "8000"]
