# The pipeline on the official Airflow image of the version uv.lock pins (a test checks the
# tag). deploy/install.sh does the work, as it does in the deployment test; `make test` runs
# all but the FROM and COPY lines (the sample line is `make sample`'s generator).
#   docker compose build --build-arg EQUITY_BUILD_COMMIT=$(git rev-parse HEAD)
FROM apache/airflow:3.3.2-python3.11

ARG EQUITY_BUILD_COMMIT
ARG EQUITY_BUILD_DIRTY=false

USER root
RUN mkdir -p /opt/equity && chown airflow:0 /opt/equity
USER airflow

COPY --chown=airflow:0 . /opt/equity/src
# Installed into the image's own Airflow environment under its pip freeze; the bundled
# synthetic sample is generated into the image as the default landing folder.
RUN EQUITY_BUILD_COMMIT="${EQUITY_BUILD_COMMIT:?pass --build-arg EQUITY_BUILD_COMMIT}" \
    EQUITY_BUILD_DIRTY="${EQUITY_BUILD_DIRTY}" EQUITY_DAGS_LINK=/opt/equity/dags \
    /opt/equity/src/deploy/install.sh "$(command -v python)" \
 && python -P -m ingest.synthetic --sample --landing /opt/equity/sample/landing \
 && rm -rf /opt/equity/src

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/equity/dags \
    EQUITY_LANDING_DIR=/opt/equity/sample/landing \
    EQUITY_OUTPUT_DIR=/data/output \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false
