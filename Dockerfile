# twinning-bot: a slim image that runs as a non-root user and keeps its database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TWINNING_DB=/data/twinning.db \
    TWINNING_OUT=/data/drafts

RUN useradd --create-home --uid 10001 twinning \
    && mkdir /data && chown twinning:twinning /data

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY locales ./locales
RUN pip install --no-cache-dir . && rm -rf /app/*

USER twinning
VOLUME ["/data"]
ENTRYPOINT ["twinning-bot"]
