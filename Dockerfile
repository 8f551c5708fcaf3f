# syntax=docker/dockerfile:1
# spi-engine: the gRPC service (spi-server) with the bundled rulesets.
#
#   docker build -t spi-engine .
#   docker run --rm -p 50051:50051 -p 9090:9090 spi-engine
#
# Two stages: "build" installs the package (runtime dependencies only: no [dev], no [plot], no
# [frames]) into a virtualenv; "runtime" copies that virtualenv into a clean image and runs it
# as an unprivileged user. docs/deployment.md explains every setting; tests/unit/server/test_deploy.py
# checks this file against the server's real flags and ports.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY spi_engine ./spi_engine
COPY protos ./protos
COPY server ./server
COPY clients ./clients
RUN python -m venv /opt/spi \
    && /opt/spi/bin/python -m pip install --upgrade pip \
    && /opt/spi/bin/python -m pip install '.[server]' \
    && /opt/spi/bin/spi rules list

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 spi \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin spi
COPY --from=build /opt/spi /opt/spi
COPY deploy/docker/healthcheck.py /opt/spi/healthcheck.py
ENV PATH=/opt/spi/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SPI_ADDRESS=0.0.0.0:50051 \
    SPI_HTTP_ADDRESS=0.0.0.0:8080 \
    SPI_METRICS_ADDRESS=0.0.0.0:9090 \
    SPI_GRACE=20
USER 10001:10001
EXPOSE 50051 8080 9090
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/opt/spi/healthcheck.py"]
# SIGTERM drains (health NOT_SERVING, new calls refused, calls in flight get SPI_GRACE seconds);
# exec form, so spi-server is PID 1 and receives the signal itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["spi-server"]
CMD []
